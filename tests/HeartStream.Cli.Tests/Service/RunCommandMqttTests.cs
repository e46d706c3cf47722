using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>`heartstream run --mqtt-host` as a child process against a private mosquitto: outputs arrive on the broker.</summary>
public sealed class RunCommandMqttTests
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
        await using var observer = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = instance + "-observer" });
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

        string sample = Path.Combine(RepoPaths.Samples, "physionet2016", device + ".wav");
        using var run = RunProcess.Start(
            ["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--files", sample, "--speed", "0", "--http-port", "0"],
            new Dictionary<string, string> { ["HEARTSTREAM_Mqtt__ClientId"] = instance });
        Uri baseAddress = await run.Address.WaitAsync(s_hang);
        await onlineSeen.Task.WaitAsync(s_hang);
        await vitalsSeen.Task.WaitAsync(s_hang);
        using (var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) })
        {
            using HttpResponseMessage ready = await client.GetAsync(new Uri("readyz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await run.TerminateAsync(s_hang);
        await offlineSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        string log = run.Output;
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; output:\n{log}");
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.Contains(messages, m => m.Topic == MqttTopics.Beats(device));
        Assert.Contains(messages, m => m.Topic == MqttTopics.Vitals(device));
        Assert.Contains(messages, m => m.Topic == MqttTopics.Status(device));
        Assert.True(broker.IsRunning);
    }
}
