using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// Debian's real Prometheus on 127.0.0.1 and a free port, with a temporary config and TSDB; disposing kills it and
/// deletes the folder, so no process or file is left behind whatever the test did.
/// </summary>
internal sealed class PrometheusRunner : IDisposable
{
    public const string PrometheusPath = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _client;

    private PrometheusRunner(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The temporary folder holding the config, the rule files and the TSDB.</summary>
    public string Directory { get; }

    public IReadOnlyList<string> Log => [.. _log];

    public bool HasExited => _process.HasExited;

    /// <summary>Writes <paramref name="config"/> (and copies <paramref name="ruleFiles"/> beside it) and starts Prometheus.</summary>
    public static PrometheusRunner Start(string config, IEnumerable<string> ruleFiles)
    {
        Assert.True(File.Exists(PrometheusPath), $"{PrometheusPath} is missing: install Debian's prometheus package.");
        string directory = System.IO.Directory.CreateTempSubdirectory("heartstream-dashboards-").FullName;
        foreach (string rules in ruleFiles)
        {
            File.Copy(rules, Path.Combine(directory, Path.GetFileName(rules)));
        }

        string configPath = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(configPath, config);
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(PrometheusPath,
        [
            "--config.file=" + configPath,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {PrometheusPath}.");
        var runner = new PrometheusRunner(process, directory, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { runner._log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { runner._log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>
    /// Runs an instant query. Returns the API status ("success" or "error"), the number of series or samples in
    /// the result, and the raw body; a connection failure (not listening yet) gives status "unreachable".
    /// </summary>
    public async Task<(string Status, int Results, string Body)> QueryAsync(string expression)
    {
        Assert.False(_process.HasExited, $"Prometheus exited early (code {(_process.HasExited ? _process.ExitCode : 0)}):\n{string.Join('\n', _log)}");
        try
        {
            using HttpResponseMessage response = await _client.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(expression), UriKind.Relative));
            string body = await response.Content.ReadAsStringAsync();
            if (!body.TrimStart().StartsWith('{'))
            {
                // While it starts up Prometheus answers 503 "Service Unavailable" in plain text: not ready yet.
                return ("unreachable", 0, $"{(int)response.StatusCode}: {body}");
            }

            using JsonDocument document = JsonDocument.Parse(body);
            string status = document.RootElement.GetProperty("status").GetString() ?? "?";
            int results = 0;
            if (status == "success")
            {
                JsonElement result = document.RootElement.GetProperty("data").GetProperty("result");
                results = result.ValueKind == JsonValueKind.Array ? result.GetArrayLength() : 1; // scalar/string results are one value
            }

            return (status, results, body);
        }
        catch (HttpRequestException ex)
        {
            return ("unreachable", 0, ex.Message);
        }
        catch (TaskCanceledException ex)
        {
            return ("unreachable", 0, ex.Message);
        }
    }

    /// <summary>GET of any API path, e.g. api/v1/rules, parsed as JSON (the caller disposes it).</summary>
    public async Task<JsonDocument> GetJsonAsync(string path)
    {
        string body = await _client.GetStringAsync(new Uri(path, UriKind.Relative));
        return JsonDocument.Parse(body);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit(10_000);
        bool exited = _process.HasExited;
        _process.Dispose();
        _client.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        Assert.True(exited, "Prometheus is still running after the test.");
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
