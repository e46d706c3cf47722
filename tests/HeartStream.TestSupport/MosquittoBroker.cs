using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeartStream.TestSupport;

/// <summary>
/// A private mosquitto broker (the Debian package) on 127.0.0.1 and a free port, for the tests: generated config
/// in a temp folder, log captured, <see cref="Kill"/> (crash), <see cref="StopAsync"/> (graceful, saves persistence)
/// and <see cref="RestartAsync"/> on the same port. Disposing kills the process and deletes the folder; brokers
/// still running at process exit are killed too, so none are left behind.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private static readonly Lock s_liveGate = new();
    private static readonly HashSet<MosquittoBroker> s_live = [];
    private static bool s_exitHookInstalled;

    private readonly MosquittoBrokerOptions _options;
    private readonly Lock _logGate = new();
    private readonly List<string> _log = [];
    private Process? _process;
    private int _disposed;

    private MosquittoBroker(MosquittoBrokerOptions options, int port, string directory)
    {
        _options = options;
        Port = port;
        Directory = directory;
        ConfigFile = Path.Combine(directory, "mosquitto.conf");
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>Temp folder with mosquitto.conf and the persistence database.</summary>
    public string Directory { get; }

    public string ConfigFile { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the broker logged so far (all runs), one line per entry.</summary>
    public IReadOnlyList<string> LogLines
    {
        get
        {
            lock (_logGate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>
    /// Lines mosquitto logs at level error ("Error: ..."); integration tests assert there are none. A client dropped
    /// for sending garbage is logged as a notice, not here.
    /// </summary>
    public IReadOnlyList<string> ErrorLines => LogLines.Where(l => l.Contains(": Error: ", StringComparison.Ordinal)).ToList();

    /// <summary>Starts a broker on a free loopback port and waits until it accepts connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MosquittoBrokerOptions();
        if (!File.Exists(options.Executable))
        {
            throw new FileNotFoundException($"mosquitto broker not found at '{options.Executable}' (run scripts/setup.sh).", options.Executable);
        }

        string directory = Path.Combine(Path.GetTempPath(), "heartstream-mosquitto-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        MosquittoBroker broker = new(options, FreePort(), directory);
        try
        {
            broker.WriteConfig();
            await broker.StartProcessAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the broker at once (SIGKILL), like a crash: nothing is saved, clients see a lost connection.</summary>
    public void Kill()
    {
        Process? process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill();
        process.WaitForExit();
    }

    /// <summary>Stops the broker gracefully (SIGTERM): it saves its persistence database before exiting.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Process? process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the broker again on the same port and config (kills it first if it still runs).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Kill();
        await StartProcessAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        _process?.Dispose();
        _process = null;
        lock (s_liveGate)
        {
            s_live.Remove(this);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a dispose over it.
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private void WriteConfig()
    {
        StringBuilder config = new();
        config.AppendLine(CultureInfo.InvariantCulture, $"listener {Port} {Host}");
        foreach (string line in _options.ListenerConfig)
        {
            config.AppendLine(line);
        }

        config.AppendLine(CultureInfo.InvariantCulture, $"allow_anonymous {(_options.AllowAnonymous ? "true" : "false")}");
        config.AppendLine(CultureInfo.InvariantCulture, $"max_queued_messages {_options.MaxQueuedMessages}");
        if (_options.Persistence)
        {
            config.AppendLine("persistence true");
            config.AppendLine(CultureInfo.InvariantCulture, $"persistence_location {Directory}/");

            // Save sessions, subscriptions and queued messages as often as mosquitto allows (its default is every 30 min):
            // with an interval of 1 it saves once a whole second has passed since the last save's second, every 2 s
            // (measured), so a crash (SIGKILL) loses at most the last ~2 s, not every persistent subscriber's subscriptions.
            config.AppendLine("autosave_interval 1");
        }
        else
        {
            config.AppendLine("persistence false");
        }

        // Run as the current user even when that is root (mosquitto would otherwise switch to user "mosquitto",
        // which cannot write our temp folder).
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root");
        }

        // stderr, because mosquitto block-buffers stdout when it is a pipe and lines would arrive late.
        config.AppendLine("log_dest stderr");
        config.AppendLine("log_type error");
        config.AppendLine("log_type warning");
        config.AppendLine("log_type notice");
        config.AppendLine("log_type information");
        File.WriteAllText(ConfigFile, config.ToString());
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        ProcessStartInfo start = new(_options.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ConfigFile);

        TaskCompletionSource running = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process = new() { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLogLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLogLine(e.Data);
        process.Exited += (_, _) => running.TrySetException(
            new InvalidOperationException($"mosquitto exited during start-up. Log:{Environment.NewLine}{string.Join(Environment.NewLine, LogLines)}"));
        _process?.Dispose();
        _process = process;
        process.Start();
        Register(this);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await WaitForListenerAsync(running.Task, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForListenerAsync(Task exited, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            if (exited.IsFaulted)
            {
                await exited.ConfigureAwait(false);
            }

            try
            {
                using TcpClient probe = new();
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                Kill();
                throw new TimeoutException(
                    $"mosquitto did not accept connections on port {Port} within {_options.StartTimeout}. Log:{Environment.NewLine}{string.Join(Environment.NewLine, LogLines)}",
                    e);
            }
        }
    }

    private void OnLogLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log.Add(line);
        }
    }

    private static int FreePort()
    {
        using Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static void Register(MosquittoBroker broker)
    {
        lock (s_liveGate)
        {
            s_live.Add(broker);
            if (!s_exitHookInstalled)
            {
                s_exitHookInstalled = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    private static void KillAll()
    {
        MosquittoBroker[] live;
        lock (s_liveGate)
        {
            live = [.. s_live];
        }

        foreach (MosquittoBroker broker in live)
        {
            try
            {
                broker.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
