using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// A SIGKILLed `heartstream run` comes back with its active alerts: a real mosquitto, the service as a child process
/// ingesting a real recording from the gateway simulator, an alert raised, the process killed, started again with the
/// same instance: the alert is not raised again under a new id, and it clears under its old id when the device goes.
/// </summary>
public sealed class RunCommandCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_SigkilledAndRestarted_ActiveAlertKeepsItsIdAndClearsOnce()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        string instance = "crash-test-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        const string device = "bed-crash";
        var alerts = new ConcurrentQueue<(string Id, string Type, string State)>();
        await using var observer = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = instance + "-observer" });
        observer.MessageReceived += (_, e) =>
        {
            if (e.Topic == MqttTopics.Alerts(device))
            {
                using JsonDocument doc = JsonDocument.Parse(e.Payload);
                JsonElement a = doc.RootElement;
                alerts.Enqueue((a.GetProperty("alert_id").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("state").GetString()!));
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} alert {a}");
            }
        };
        await observer.ConnectAsync();
        await observer.SubscribeAsync(MqttTopics.Alerts(device), 1);

        // Tachycardia above 62 bpm, so this child's 105 bpm raises it and keeps it; a device silent for 3 s is ended.
        var environment = new Dictionary<string, string>
        {
            ["HEARTSTREAM_Mqtt__ClientId"] = instance,
            ["HEARTSTREAM_Alerts__DefaultProfile"] = "crash",
            ["HEARTSTREAM_Alerts__Profiles__crash__TachycardiaRaiseBpm"] = "62",
            ["HEARTSTREAM_Alerts__Profiles__crash__TachycardiaClearBpm"] = "58",
            ["HEARTSTREAM_Pipeline__IdleDeviceSeconds"] = "3",
        };
        string[] arguments = ["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--http-port", "0"];
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        await using var gateway = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = instance + "-gateway" });
        await gateway.ConnectAsync();
        var simulator = new GatewaySimulator(gateway, [(device, audio.Samples, audio.SampleRate)], speed: 1, loop: true);
        using var stopSimulator = new CancellationTokenSource();

        using (var first = RunProcess.Start(arguments, environment))
        {
            await first.Address.WaitAsync(s_hang);
            Task streaming = simulator.RunAsync(stopSimulator.Token);
            await WaitAsync(() => alerts.Any(a => a is { Type: "tachycardia", State: "raised" }), "tachycardia raised before the crash", first);
            await Task.Delay(1500); // the retained state follows its alert on the same connection
            await first.KillAsync(s_hang);
            output.WriteLine("first run killed; its output:\n" + first.Output);
            Assert.False(streaming.IsFaulted);
        }

        string raisedId = alerts.Single(a => a is { Type: "tachycardia", State: "raised" }).Id;
        using (var second = RunProcess.Start(arguments, environment))
        {
            await second.Address.WaitAsync(s_hang);
            await WaitAsync(() => second.Output.Contains("Restored the alert state of 1 devices", StringComparison.Ordinal), "the restore at start-up", second);
            await Task.Delay(TimeSpan.FromSeconds(15)); // the device streams on, its heart still above the limit
            await stopSimulator.CancelAsync();
            await WaitAsync(() => alerts.Any(a => a.Id == raisedId && a.State == "cleared"), "the old alert cleared when the device went", second);
            output.WriteLine("second run output:\n" + second.Output);
            await second.TerminateAsync(s_hang);
        }

        (string Id, string Type, string State)[] tachycardia = [.. alerts.Where(a => a.Type == "tachycardia")];
        Assert.Single(tachycardia, a => a.State == "raised");
        Assert.Single(tachycardia, a => a.State == "cleared");
        Assert.All(tachycardia, a => Assert.Equal(raisedId, a.Id));
        Assert.Equal(alerts.Count(a => a.State == "raised"), alerts.Where(a => a.State == "raised").Select(a => a.Id).Distinct().Count());
    }

    private static async Task WaitAsync(Func<bool> condition, string what, RunProcess run)
    {
        DateTime until = DateTime.UtcNow + s_hang;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {what}; service output:\n{run.Output}");
            await Task.Delay(100);
        }
    }
}
