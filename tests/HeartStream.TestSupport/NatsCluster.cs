using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeartStream.TestSupport;

/// <summary>
/// A real 3-node NATS cluster on loopback (Debian <c>nats-server</c>, installed by scripts/setup.sh), each node with
/// JetStream (MQTT sessions and retained messages live there, replicated) and its MQTT listener (MQTT 3.1.1). Started
/// in a temporary directory, stopped and deleted on dispose. <see cref="MqttPorts"/>[i] is node i's MQTT port.
/// </summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<Process> _nodes = [];
    private readonly List<StringBuilder> _logs = [];

    private NatsCluster(string directory, int[] mqttPorts)
    {
        _directory = directory;
        MqttPorts = mqttPorts;
    }

    public string Host => "127.0.0.1";

    /// <summary>The MQTT port of each node.</summary>
    public IReadOnlyList<int> MqttPorts { get; }

    /// <summary>Every node's log so far (for a failing test's message).</summary>
    public string Logs
    {
        get
        {
            var all = new StringBuilder();
            for (int i = 0; i < _logs.Count; i++)
            {
                lock (_logs[i])
                {
                    all.Append("== node ").Append(i + 1).AppendLine().Append(_logs[i]);
                }
            }

            return all.ToString();
        }
    }

    /// <summary>Whether nats-server is on the PATH.</summary>
    public static bool IsInstalled => File.Exists("/usr/sbin/nats-server") || File.Exists("/usr/bin/nats-server");

    /// <summary>Starts three nodes and waits until each listens for MQTT and JetStream has a metadata leader.</summary>
    public static async Task<NatsCluster> StartAsync(CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "hs-nats-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        int[] client = [FreePort(), FreePort(), FreePort()];
        int[] route = [FreePort(), FreePort(), FreePort()];
        int[] mqtt = [FreePort(), FreePort(), FreePort()];
        var cluster = new NatsCluster(directory, mqtt);
        try
        {
            string routes = string.Join(", ", route.Select(p => FormattableString.Invariant($"nats://127.0.0.1:{p}")));
            for (int i = 0; i < 3; i++)
            {
                string config = Path.Combine(directory, FormattableString.Invariant($"n{i + 1}.conf"));
                string store = Path.Combine(directory, FormattableString.Invariant($"data{i + 1}"));
                await File.WriteAllTextAsync(config, FormattableString.Invariant($$"""
                    server_name: n{{i + 1}}
                    listen: 127.0.0.1:{{client[i]}}
                    jetstream { store_dir: "{{store}}", max_memory_store: 64MB, max_file_store: 512MB }
                    cluster { name: hs-test, listen: 127.0.0.1:{{route[i]}}, routes: [{{routes}}] }
                    mqtt { listen: 127.0.0.1:{{mqtt[i]}} }
                    """), cancellationToken).ConfigureAwait(false);
                cluster.Start(config);
            }

            var clock = Stopwatch.StartNew();
            while (!cluster.Ready())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30) || cluster._nodes.Any(n => n.HasExited))
                {
                    throw new InvalidOperationException("The NATS cluster did not come up:\n" + cluster.Logs);
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Process node in _nodes)
        {
            if (!node.HasExited)
            {
                node.Kill();
                await node.WaitForExitAsync().ConfigureAwait(false);
            }

            node.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder.
        }
    }

    private bool Ready()
    {
        for (int i = 0; i < _logs.Count; i++)
        {
            string log;
            lock (_logs[i])
            {
                log = _logs[i].ToString();
            }

            if (!log.Contains("Listening for MQTT clients", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return _logs.Any(l =>
        {
            lock (l)
            {
                return l.ToString().Contains("new metadata leader", StringComparison.Ordinal);
            }
        });
    }

    private void Start(string config)
    {
        var log = new StringBuilder();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("nats-server", ["-c", config])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _nodes.Add(process);
        _logs.Add(log);
    }

    private static int FreePort()
    {
        using Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
