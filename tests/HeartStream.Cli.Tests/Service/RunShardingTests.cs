using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// Three `heartstream run` processes with <c>Mqtt:Shards</c> on a real mosquitto and 40 simulated gateway devices on
/// their shard topics. Seen from outside, through each process's /metrics: the shards owned add up to the shard count
/// and each instance owns what the rendezvous hash gives it, every device streams into exactly one instance; after a
/// SIGKILL the broker fires the dead instance's will and the two others own every shard and every device again, and
/// the alerts active on the dead instance's devices go on at the survivors under their ids (from the retained alert
/// state), each raised once and cleared once. Times are printed, not asserted.
/// </summary>
public sealed class RunShardingTests(ITestOutputHelper output)
{
    private const int Shards = 16;
    private const int Devices = 40;
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ThreeRuns_OneSigkilled_SurvivorsOwnEveryShardAndDevice()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        string prefix = "shard-run-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-";
        string[] names = [prefix + "a", prefix + "b", prefix + "c"];
        string[] arguments = ["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--http-port", "0"];
        var runs = new Dictionary<string, RunProcess>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            foreach (string name in names)
            {
                runs[name] = RunProcess.Start(arguments, new Dictionary<string, string>
                {
                    ["HEARTSTREAM_Mqtt__ClientId"] = name,
                    ["HEARTSTREAM_Mqtt__Shards"] = Shards.ToString(CultureInfo.InvariantCulture),
                    ["HEARTSTREAM_Mqtt__ShardSettleSeconds"] = "1",
                    ["HEARTSTREAM_Mqtt__KeepAliveSeconds"] = "5",
                    ["HEARTSTREAM_Pipeline__IdleDeviceSeconds"] = "3",

                    // Tachycardia above 62 bpm, so this adult's 67 bpm raises it 10 s after the start and keeps it.
                    ["HEARTSTREAM_Alerts__DefaultProfile"] = "shard",
                    ["HEARTSTREAM_Alerts__Profiles__shard__TachycardiaRaiseBpm"] = "62",
                    ["HEARTSTREAM_Alerts__Profiles__shard__TachycardiaClearBpm"] = "58",
                });
            }

            foreach (RunProcess run in runs.Values)
            {
                await run.Address.WaitAsync(s_hang);
            }

            await UntilAsync(http, runs, Shards, owned => Matches(owned, names), "three instances own their shards");

            var alerts = new ConcurrentQueue<(string Device, string Type, string Id, string State)>();
            await using var observer = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = prefix + "observer" });
            observer.MessageReceived += (_, e) =>
            {
                if (e.Topic.EndsWith("/alerts", StringComparison.Ordinal))
                {
                    using JsonDocument doc = JsonDocument.Parse(e.Payload);
                    JsonElement a = doc.RootElement;
                    alerts.Enqueue((a.GetProperty("device_id").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("alert_id").GetString()!, a.GetProperty("state").GetString()!));
                }
            };
            await observer.ConnectAsync();
            await observer.SubscribeAsync("heartstream/v1/devices/+/alerts", 1);
            WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
            await using var gateway = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = prefix + "gateway" });
            await gateway.ConnectAsync();
            var simulator = new GatewaySimulator(gateway, Enumerable.Range(0, Devices).Select(i => (GatewaySimulator.DeviceId(i), audio.Samples, audio.SampleRate)), shards: Shards);
            using var stop = new CancellationTokenSource();
            Task streaming = simulator.RunAsync(stop.Token);
            await UntilAsync(http, runs, Devices, _ => true, "every device streaming at one instance");
            Dictionary<string, (double Shards, double Devices)> placed = await ScrapeAllAsync(http, runs);
            foreach ((string name, (double shards, double devices)) in placed)
            {
                int expected = Enumerable.Range(0, Devices).Count(i => ShardMap.OwnerOf(ShardMap.ShardOf(GatewaySimulator.DeviceId(i), Shards), names) == name);
                Assert.Equal(expected, devices);
            }

            // A crash: no shutdown code runs; the broker sees the socket close and publishes the will ("offline").
            string victim = names[1];
            string[] ofVictim = [.. Enumerable.Range(0, Devices).Select(GatewaySimulator.DeviceId).Where(id => ShardMap.OwnerOf(ShardMap.ShardOf(id, Shards), names) == victim)];
            await UntilAsync(() => ofVictim.All(d => alerts.Any(a => a.Device == d && a is { Type: "tachycardia", State: "raised" })), "tachycardia raised on the victim's devices");
            await Task.Delay(1500); // its retained state follows each alert on the same connection
            string[] moved = [.. alerts.Where(a => ofVictim.Contains(a.Device) && a.State == "raised").Select(a => a.Id)];
            var clock = Stopwatch.StartNew();
            await runs[victim].KillAsync(s_hang);
            runs[victim].Dispose();
            runs.Remove(victim);
            string[] survivors = [.. runs.Keys];
            await UntilAsync(http, runs, Shards, owned => Matches(owned, survivors), "the survivors own every shard");
            double owned = clock.Elapsed.TotalSeconds;
            await UntilAsync(http, runs, Devices, _ => true, "every device streaming at a survivor");
            double streamingAgain = clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(5)); // the moved devices stream on at the survivors, still tachycardic
            var beforeEnd = alerts.ToArray();
            output.WriteLine(FormattableString.Invariant($"SHARD-FAILOVER SIGKILL of {victim}: every shard owned again after {owned:0.00} s, all {Devices} devices streaming after {streamingAgain:0.00} s (settle 1 s, scrapes every 0.2 s)"));
            await stop.CancelAsync();
            await streaming;
            await UntilAsync(() => moved.All(id => alerts.Any(a => a.Id == id && a.State == "cleared")), "the moved alerts cleared once their devices went quiet");
            foreach (RunProcess run in runs.Values)
            {
                await run.TerminateAsync(s_hang);
            }

            Assert.All(moved, id => Assert.DoesNotContain(beforeEnd, a => a.Id == id && a.State == "cleared"));
            Assert.All(ofVictim, d => Assert.Single(beforeEnd, a => a.Device == d && a is { Type: "tachycardia", State: "raised" }));
            Assert.All(moved, id => Assert.Single(alerts, a => a.Id == id && a.State == "cleared"));
            output.WriteLine(FormattableString.Invariant($"SHARD-FAILOVER {moved.Length} alerts active on the killed instance's devices went on at the survivors under their ids and cleared once"));
        }
        finally
        {
            foreach (RunProcess run in runs.Values)
            {
                run.Dispose();
            }
        }
    }

    /// <summary>
    /// A hung instance (SIGSTOP): the broker notices the missing keep-alive (5 s here; mosquitto closes the connection
    /// after 1.5 × keep-alive) and fires its will, and the other instance takes every shard; after SIGCONT the frozen
    /// instance reconnects, says online again, and the two share the shards again. Times printed.
    /// </summary>
    [Fact]
    public async Task TwoRuns_OneFrozen_TheOtherTakesItsShardsAndGivesThemBackAfterResume()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        string prefix = "shard-stop-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-";
        string[] names = [prefix + "a", prefix + "b"];
        string[] arguments = ["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--http-port", "0"];
        var runs = new Dictionary<string, RunProcess>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            foreach (string name in names)
            {
                runs[name] = RunProcess.Start(arguments, new Dictionary<string, string>
                {
                    ["HEARTSTREAM_Mqtt__ClientId"] = name,
                    ["HEARTSTREAM_Mqtt__Shards"] = Shards.ToString(CultureInfo.InvariantCulture),
                    ["HEARTSTREAM_Mqtt__ShardSettleSeconds"] = "1",
                    ["HEARTSTREAM_Mqtt__KeepAliveSeconds"] = "5",
                });
            }

            foreach (RunProcess run in runs.Values)
            {
                await run.Address.WaitAsync(s_hang);
            }

            await UntilAsync(http, runs, Shards, owned => Matches(owned, names), "two instances own their shards");
            foreach (RunProcess run in runs.Values)
            {
                // Running, not starting: /readyz says ready once start-up (alert-state restore, subscriptions) is done.
                Uri ready = new(await run.Address, "readyz");
                await UntilAsync(() => http.GetAsync(ready).Result.IsSuccessStatusCode, "both instances ready");
            }

            var clock = Stopwatch.StartNew();
            await runs[names[1]].SignalAsync("STOP");
            var survivor = new Dictionary<string, RunProcess>(StringComparer.Ordinal) { [names[0]] = runs[names[0]] };
            await UntilAsync(http, survivor, Shards, owned => Matches(owned, [names[0]]), "the survivor owns every shard");
            double moved = clock.Elapsed.TotalSeconds;
            await runs[names[1]].SignalAsync("CONT");
            clock.Restart();
            await UntilAsync(http, runs, Shards, owned => Matches(owned, names), "both own their shards again after SIGCONT");
            output.WriteLine(FormattableString.Invariant($"SHARD-HANG SIGSTOP: the other instance owned every shard after {moved:0.00} s (keep-alive 5 s, settle 1 s); after SIGCONT the shards were shared again after {clock.Elapsed.TotalSeconds:0.00} s"));
            foreach (RunProcess run in runs.Values)
            {
                await run.TerminateAsync(s_hang);
            }
        }
        finally
        {
            foreach (RunProcess run in runs.Values)
            {
                run.Dispose();
            }
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_hang, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    private static bool Matches(Dictionary<string, (double Shards, double Devices)> scraped, string[] members) =>
        scraped.All(p => p.Value.Shards == ShardMap.OwnedBy(p.Key, members, Shards).Count);

    /// <summary>Waits until the instances' owned shards (or devices) add up to <paramref name="total"/> and <paramref name="also"/> holds.</summary>
    private static async Task UntilAsync(
        HttpClient http, Dictionary<string, RunProcess> runs, int total, Func<Dictionary<string, (double Shards, double Devices)>, bool> also, string what)
    {
        bool devices = total == Devices;
        var clock = Stopwatch.StartNew();
        Dictionary<string, (double Shards, double Devices)> last = [];
        while (clock.Elapsed < s_hang)
        {
            last = await ScrapeAllAsync(http, runs);
            if (last.Values.Sum(v => devices ? v.Devices : v.Shards) == total && also(last))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"timed out waiting for {what}: {string.Join("; ", last.Select(p => $"{p.Key} shards {p.Value.Shards} devices {p.Value.Devices}"))}\n"
            + string.Join("\n----\n", runs.Select(p => p.Key + ":\n" + p.Value.Output)));
    }

    private static async Task<Dictionary<string, (double Shards, double Devices)>> ScrapeAllAsync(HttpClient http, Dictionary<string, RunProcess> runs)
    {
        var result = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach ((string name, RunProcess run) in runs)
        {
            try
            {
                string text = await http.GetStringAsync(new Uri(await run.Address, "metrics"));
                result[name] = (Value(text, "heartstream_shards_owned"), Value(text, "heartstream_devices_active"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                result[name] = (double.NaN, double.NaN); // not answering (frozen, or gone: the wait's message shows its output)
            }
        }

        return result;
    }

    private static double Value(string exposition, string metric)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(metric.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }
}
