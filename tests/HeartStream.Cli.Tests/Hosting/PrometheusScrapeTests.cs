using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HeartStream.Hosting;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Cli.Tests.Hosting;

/// <summary>
/// End to end against Debian's real Prometheus: it scrapes our server every second, and a PromQL rate() over the
/// audio counter must come out positive. Every wait is bounded; Prometheus is killed in all cases.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private const string PrometheusPath = "/usr/bin/prometheus";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prometheus_ScrapesServer_RateOfAudioProcessedIsPositive()
    {
        Assert.True(File.Exists(PrometheusPath), $"{PrometheusPath} is missing: run scripts/setup.sh (it installs Debian's prometheus package, which CI has).");
        await using MetricsServer server = await MetricsServer.StartAsync(new HttpOptions { Port = 0 }, () => ReadinessStatus.Ready);
        using var stopRecording = new CancellationTokenSource();
        Task recorder = Task.Run(async () =>
        {
            while (!stopRecording.IsCancellationRequested)
            {
                HeartStreamMetrics.AddAudioProcessed(0.02);
                HeartStreamMetrics.RecordStageLatency("features", 0.003);
                try
                {
                    await Task.Delay(10, stopRecording.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        string directory = Directory.CreateTempSubdirectory("heartstream-prometheus-").FullName;
        int prometheusPort = FreeLoopbackPort();
        string configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, string.Create(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: heartstream
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: ['127.0.0.1:{server.BaseAddress.Port}']
            """));
        var log = new ConcurrentQueue<string>();
        var start = new ProcessStartInfo(PrometheusPath,
        [
            "--config.file=" + configPath,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + prometheusPort.ToString(CultureInfo.InvariantCulture),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process prometheus = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {PrometheusPath}.");
        prometheus.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        prometheus.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{prometheusPort}/"), Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();

            double up = await PollAsync(client, "up{job=\"heartstream\"}", v => v == 1, clock, prometheus, log);
            double rate = await PollAsync(client, "rate(heartstream_audio_processed_seconds_total[5s])", v => v > 0, clock, prometheus, log);

            Assert.Equal(1, up);
            Assert.True(rate > 0, $"rate was {rate}");
            Assert.DoesNotContain(log, line => line.Contains("level=error", StringComparison.Ordinal));
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
            }

            prometheus.WaitForExit(10_000);
            await stopRecording.CancelAsync();
            await recorder;
            Directory.Delete(directory, recursive: true);
        }

        Assert.True(prometheus.HasExited, "Prometheus is still running after the test.");
    }

    /// <summary>Runs an instant query until its first sample satisfies <paramref name="accept"/> or the deadline passes.</summary>
    private static async Task<double> PollAsync(HttpClient client, string query, Func<double, bool> accept, Stopwatch clock, Process prometheus, ConcurrentQueue<string> log)
    {
        string last = "no answer yet";
        while (clock.Elapsed < Deadline)
        {
            Assert.False(prometheus.HasExited, $"Prometheus exited early (code {(prometheus.HasExited ? prometheus.ExitCode : 0)}):\n{string.Join('\n', log)}");
            try
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    using JsonDocument document = JsonDocument.Parse(last);
                    JsonElement result = document.RootElement.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() > 0)
                    {
                        double value = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                        if (accept(value))
                        {
                            return value;
                        }
                    }
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message; // not listening yet
            }

            await Task.Delay(250);
        }

        Assert.Fail($"Query '{query}' gave no acceptable value within {Deadline.TotalSeconds} s; last answer: {last}\nPrometheus log:\n{string.Join('\n', log)}");
        return double.NaN;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
