using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>`heartstream run --mqtt-host` as a child process against a private mosquitto: outputs arrive on the broker.</summary>
public sealed partial class RunCommandMqttTests
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_WithMqttHost_PublishesBeatsVitalsAndServiceStatusThenSigtermExitsZero()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        string instance = "run-test-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        const string device = "a0035";
        string serviceTopic = MqttTopics.ServiceStatus(instance);
        var messages = new ConcurrentQueue<(string Topic, string Payload)>();
        var vitalsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onlineSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var offlineSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var observer = new MosquittoClient(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = instance + "-observer" });
        observer.MessageReceived += (_, e) =>
        {
            string payload = Encoding.UTF8.GetString(e.Payload.Span);
            messages.Enqueue((e.Topic, payload));
            if (e.Topic == MqttTopics.Vitals(device))
            {
                vitalsSeen.TrySetResult();
            }
            else if (e.Topic == serviceTopic && payload.Contains("\"online\"", StringComparison.Ordinal))
            {
                onlineSeen.TrySetResult();
            }
            else if (e.Topic == serviceTopic && payload.Contains("\"offline\"", StringComparison.Ordinal) && onlineSeen.Task.IsCompleted)
            {
                offlineSeen.TrySetResult();
            }
        };
        await observer.ConnectAsync();
        await observer.SubscribeAsync(MqttTopics.Root + "/#", 1);

        string dll = Path.Combine(AppContext.BaseDirectory, "heartstream.dll");
        string sample = Path.Combine(RepoPaths.Samples, "physionet2016", device + ".wav");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HEARTSTREAM_Mqtt__ClientId"] = instance;
        foreach (string arg in new[]
        {
            dll, "run", "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--files", sample, "--speed", "0", "--http-port", "0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Uri baseAddress = await address.Task.WaitAsync(s_hang);
            await onlineSeen.Task.WaitAsync(s_hang);
            await vitalsSeen.Task.WaitAsync(s_hang);
            using (var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) })
            {
                using HttpResponseMessage ready = await client.GetAsync(new Uri("readyz", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(s_hang);
            await offlineSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; output:\n{log}");
            Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
            Assert.Contains(messages, m => m.Topic == MqttTopics.Beats(device));
            Assert.Contains(messages, m => m.Topic == MqttTopics.Vitals(device));
            Assert.Contains(messages, m => m.Topic == MqttTopics.Status(device));
            Assert.True(broker.IsRunning);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.HasExited);

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            Match m = ListeningLine().Match(line);
            if (m.Success)
            {
                address.TrySetResult(new Uri(m.Groups[1].Value));
            }
        }
    }

    [GeneratedRegex(@"listening at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();
}
