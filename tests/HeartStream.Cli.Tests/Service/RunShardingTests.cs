using System.Diagnostics;
using System.Text.Json;
using HeartStream.Pipeline.Mqtt.Sharding;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// Scale-out failover with real processes (issue 15): `heartstream run` instances with 16 shards on a real mosquitto,
/// 64 simulated gateway devices streaming a real recording on their shard topics (QoS 1), a recording subscriber.
/// Asserted from outside (each process's /metrics, what the broker delivers): one owner per shard, the one the
/// rendezvous hash gives; after a crash (SIGKILL), a hang (SIGSTOP), a join and a planned stop (SIGTERM) the shards are
/// owned again and every device streams at its new owner; no frame is analysed twice; a planned move loses no frame;
/// a frozen instance that wakes up publishes nothing stale; every alert is raised once and cleared once, moved alerts
/// keep their ids. Times are printed (settle 1 s, keep-alive 5 s, scrapes every 0.2 s).
/// </summary>
public sealed class RunShardingTests(ITestOutputHelper output)
{
    private const int Devices = 64;
    private const string Duplicates = "heartstream_capture_rejected_frames_total{reason=\"duplicate\"}";
    private const string Missing = "heartstream_shard_handover_missing_frames_total";

    /// <summary>
    /// The crash failover, on mosquitto and on a 3-node NATS cluster (MQTT 3.1.1, instances on different nodes: session
    /// takeover, retained state and wills across nodes).
    /// </summary>
    [Theory]
    [InlineData("mosquitto")]
    [InlineData("nats")]
    public async Task ThreeRuns_OneSigkilled_SurvivorsOwnEveryShardAndDevice_NoFrameTwice_AlertsOnce(string broker)
    {
        await using ShardCluster cluster = await ShardCluster.StartAsync("shard-kill", Devices, nats: broker == "nats");
        string[] names = [cluster.Name("a"), cluster.Name("b"), cluster.Name("c")];
        await cluster.AddAsync(names);
        await cluster.UntilOwnedAsync(names, "three instances own their shards");
        await cluster.StartStreamingAsync();
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner");

        // A crash: no shutdown code runs; the broker sees the socket close and publishes the will ("offline").
        string victim = names[1];
        string[] ofVictim = [.. cluster.DeviceIds.Where(d => ShardCluster.OwnerOf(d, names) == victim)];
        await ShardCluster.UntilAsync(() => ofVictim.All(d => cluster.Alerts().Any(a => a.Device == d && a is { Type: "tachycardia", State: "raised" })), "tachycardia raised on the victim's devices");
        await Task.Delay(1500); // its retained state follows each alert on the same connection
        string[] moved = [.. cluster.Alerts().Where(a => ofVictim.Contains(a.Device) && a.State == "raised").Select(a => a.Id)];
        var clock = Stopwatch.StartNew();
        await cluster.Runs[victim].KillAsync(ShardCluster.Hang);
        cluster.Runs[victim].Dispose();
        cluster.Runs.Remove(victim);
        string[] survivors = [.. cluster.Runs.Keys];
        await cluster.UntilOwnedAsync(survivors, "the survivors own every shard");
        double owned = clock.Elapsed.TotalSeconds;
        await cluster.UntilDevicesPlacedAsync("every device streaming at a survivor");
        double streamingAgain = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(5)); // the moved devices stream on at the survivors, still tachycardic
        Dictionary<string, ShardCluster.Scrape> scraped = await cluster.ScrapeAllAsync();
        var beforeEnd = cluster.Alerts();
        output.WriteLine(FormattableString.Invariant(
            $"SHARD-FAILOVER {broker}: SIGKILL of 1 of 3: every shard owned again after {owned:0.00} s, all {Devices} devices streaming after {streamingAgain:0.00} s; frames the killed instance had not analysed, inherited from the shards' sessions: {scraped.Values.Sum(s => ShardCluster.Value(s.Text, Missing)):0} counted as missing (its last state is older than its last frame)"));
        await cluster.StopStreamingAsync();
        await ShardCluster.UntilAsync(() => moved.All(id => cluster.Alerts().Any(a => a.Id == id && a.State == "cleared")), "the moved alerts cleared once their devices went quiet");
        await cluster.TerminateAllAsync();

        // No frame analysed twice: frames the dead instance took were acknowledged to the broker, so its shards' new
        // owners get only what came after (a duplicate sequence number would be counted and dropped).
        Assert.All(scraped.Values, s => Assert.True(ShardCluster.Value(s.Text, Duplicates) is 0 or double.NaN, "frames analysed twice"));
        Assert.All(moved, id => Assert.DoesNotContain(beforeEnd, a => a.Id == id && a.State == "cleared"));
        Assert.All(ofVictim, d => Assert.Single(beforeEnd, a => a.Device == d && a is { Type: "tachycardia", State: "raised" }));
        AssertEveryAlertRaisedAndClearedOnce(cluster);
        output.WriteLine(FormattableString.Invariant($"SHARD-FAILOVER {broker}: {moved.Length} alerts active on the killed instance's devices went on at the survivors under their ids and cleared once"));
    }

    /// <summary>
    /// A fourth instance joins three (it takes only the shards it wins, about S/4, from the others), then one of the
    /// first three stops with SIGTERM: it hands its devices over, and the broker queues their frames in the shards'
    /// sessions until the new owners take them, so the new owners continue every device's frame sequence with no frame
    /// missing and none repeated; their vitals say "handover" while their history is rebuilt.
    /// </summary>
    [Fact]
    public async Task FourthJoins_ThenOneSigtermed_NoFrameLost_NoneTwice_AlertsOnce()
    {
        await using ShardCluster cluster = await ShardCluster.StartAsync("shard-join", Devices);
        string[] three = [cluster.Name("a"), cluster.Name("b"), cluster.Name("c")];
        await cluster.AddAsync(three);
        await cluster.UntilOwnedAsync(three, "three instances own their shards");
        await cluster.StartStreamingAsync();
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner");
        await ShardCluster.UntilAsync(() => cluster.DeviceIds.All(d => cluster.Alerts().Any(a => a.Device == d && a.State == "raised")), "tachycardia raised on every device");
        double movesBefore = (await cluster.ScrapeAllAsync()).Values.Sum(s => ShardCluster.Value(s.Text, "heartstream_shard_moves_total"));

        string fourth = cluster.Name("d");
        string[] four = [.. three, fourth];
        int wins = ShardMap.OwnedBy(fourth, four, ShardCluster.Shards).Count;
        var clock = Stopwatch.StartNew();
        await cluster.AddAsync(fourth);
        await cluster.UntilOwnedAsync(four, "four instances own their shards");
        double joined = clock.Elapsed.TotalSeconds;
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner of four");
        Dictionary<string, ShardCluster.Scrape> afterJoin = await cluster.ScrapeAllAsync();
        double movesOfThree = three.Sum(n => ShardCluster.Value(afterJoin[n].Text, "heartstream_shard_moves_total")) - movesBefore;

        // A planned stop of one of the first three.
        string leaver = three[1];
        string[] ofLeaver = [.. cluster.DeviceIds.Where(d => ShardCluster.OwnerOf(d, four) == leaver)];
        string[] rest = [.. four.Where(n => n != leaver)];
        Assert.NotEmpty(ofLeaver);
        clock.Restart();
        await cluster.Runs[leaver].TerminateAsync(ShardCluster.Hang);
        double stopped = clock.Elapsed.TotalSeconds;
        cluster.Runs[leaver].Dispose();
        cluster.Runs.Remove(leaver);
        await cluster.UntilOwnedAsync(rest, "the other three own every shard");
        double owned = clock.Elapsed.TotalSeconds;
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner of three");
        await ShardCluster.UntilAsync(() => ofLeaver.All(d => HadHandoverVitals(cluster, d)), "the moved devices' vitals flagged handover");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Dictionary<string, ShardCluster.Scrape> scraped = await cluster.ScrapeAllAsync();
        var beforeEnd = cluster.Alerts();
        await cluster.StopStreamingAsync();
        await cluster.UntilAlertsClearedAsync();
        await cluster.TerminateAllAsync();

        output.WriteLine(FormattableString.Invariant(
            $"SHARD-JOIN a 4th instance took {wins} of {ShardCluster.Shards} shards (S/4 = {ShardCluster.Shards / 4}); the first three gave up {movesOfThree:0} shards; shares matched after {joined:0.00} s (incl. its start-up)"));
        output.WriteLine(FormattableString.Invariant(
            $"SHARD-SIGTERM the stopped instance handed {ofLeaver.Length} devices over and exited after {stopped:0.00} s; every shard owned again {owned:0.00} s after the signal; frames missing across the move {scraped.Values.Sum(s => ShardCluster.Value(s.Text, Missing)):0}"));

        // Exactly the shards the newcomer wins moved, all from the first three (rendezvous hashing).
        Assert.Equal(wins, ShardCluster.Value(afterJoin[fourth].Text, "heartstream_shards_owned"));
        Assert.Equal(wins, movesOfThree);
        Assert.InRange(wins, 1, ShardCluster.Shards / 2);

        // No frame lost, none twice: each moved device's stream at its new owner continues the sequence the leaver
        // handed over (its last frame, in the retained state); the frames in between were queued in the shard's session.
        Assert.All(scraped.Values, s => Assert.True(ShardCluster.Value(s.Text, Missing) is 0 or double.NaN, "frames missing after a planned move"));
        Assert.All(scraped.Values, s => Assert.True(ShardCluster.Value(s.Text, Duplicates) is 0 or double.NaN, "frames repeated after a planned move"));
        Assert.All(ofLeaver, d => Assert.Single(beforeEnd, a => a.Device == d && a is { Type: "tachycardia", State: "raised" }));
        AssertEveryAlertRaisedAndClearedOnce(cluster);
    }

    /// <summary>
    /// A hung instance (SIGSTOP): the broker notices the missing keep-alive (mosquitto closes the connection after 1.5 ×
    /// keep-alive) and fires its will, and the other instance takes every shard, inheriting the frames queued meanwhile;
    /// after SIGCONT the frozen instance publishes nothing stale (no device message before it owns shards again, which
    /// takes at least its reconnect delay, 1 s, plus the settle delay, 1 s), then the two share the shards again.
    /// </summary>
    [Fact]
    public async Task TwoRuns_OneFrozen_TheOtherTakesOver_TheResumedOnePublishesNothingStale()
    {
        await using ShardCluster cluster = await ShardCluster.StartAsync("shard-stop", Devices / 2);
        string[] names = [cluster.Name("a"), cluster.Name("b")];
        await cluster.AddAsync(names);
        await cluster.UntilOwnedAsync(names, "two instances own their shards");
        await cluster.StartStreamingAsync();
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner");
        string frozen = names[1];
        await ShardCluster.UntilAsync(() => cluster.Alerts().Any(a => a.State == "raised"), "alerts raised");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var clock = Stopwatch.StartNew();
        await cluster.Runs[frozen].SignalAsync("STOP");
        await cluster.UntilAsync(m => m[names[0]].Owned == ShardCluster.Shards, "the other instance owns every shard", names[0]);
        double moved = clock.Elapsed.TotalSeconds;
        await cluster.UntilAsync(m => m[names[0]].Devices == cluster.Devices, "every device streaming at the other instance", names[0]);
        await Task.Delay(TimeSpan.FromSeconds(2));
        long resumed = Stopwatch.GetTimestamp();
        await cluster.Runs[frozen].SignalAsync("CONT");
        clock.Restart();
        await cluster.UntilOwnedAsync(names, "both own their shards again after SIGCONT");
        double shared = clock.Elapsed.TotalSeconds;
        await cluster.UntilDevicesPlacedAsync("every device streaming at its owner again");
        await cluster.StopStreamingAsync();
        await cluster.UntilAlertsClearedAsync();
        await cluster.TerminateAllAsync();

        ShardCluster.Seen[] fromFrozen = [.. cluster.Messages.Where(m => m.At > resumed && m.Publisher == frozen)];
        double firstAfter = fromFrozen.Length == 0 ? double.NaN : Stopwatch.GetElapsedTime(resumed, fromFrozen.Min(m => m.At)).TotalSeconds;
        output.WriteLine(FormattableString.Invariant(
            $"SHARD-HANG SIGSTOP: the other instance owned every shard after {moved:0.00} s (keep-alive 5 s, settle 1 s); after SIGCONT the shards were shared again after {shared:0.00} s; the resumed instance's first device message came {firstAfter:0.00} s after SIGCONT"));

        Assert.NotEmpty(fromFrozen);
        Assert.True(firstAfter >= 2, $"the resumed instance published about a device {firstAfter:0.00} s after SIGCONT, before it could own one");
        foreach (ShardCluster.Seen m in fromFrozen.Where(m => m.Topic.EndsWith("/vitals", StringComparison.Ordinal)))
        {
            // A fresh stream: its time is at most the time since the resume (a stale one would carry its old stream time).
            using JsonDocument doc = JsonDocument.Parse(m.Payload);
            double streamTime = doc.RootElement.GetProperty("stream_time_seconds").GetDouble();
            Assert.True(streamTime <= Stopwatch.GetElapsedTime(resumed, m.At).TotalSeconds, $"stale vitals from the resumed instance: stream time {streamTime:0.0} s");
        }

        AssertEveryAlertRaisedAndClearedOnce(cluster);
    }

    private static bool HadHandoverVitals(ShardCluster cluster, string device) =>
        cluster.Messages.Any(m => m.Topic == "heartstream/v1/devices/" + device + "/vitals" && m.Payload.AsSpan().IndexOf("\"handover\":true"u8) >= 0);

    /// <summary>Each alert id raised once and cleared once, never raised again after its clear.</summary>
    private static void AssertEveryAlertRaisedAndClearedOnce(ShardCluster cluster)
    {
        var alerts = cluster.Alerts();
        Assert.NotEmpty(alerts);
        foreach (IGrouping<string, (string Device, string Type, string Id, string State)> alert in alerts.GroupBy(a => a.Id))
        {
            Assert.Equal(1, alert.Count(a => a.State == "raised"));
            Assert.Equal(1, alert.Count(a => a.State == "cleared"));
            Assert.Equal("cleared", alert.Last(a => a.State is "raised" or "cleared").State);
        }

        // One tachycardia episode at a time per device.
        foreach (IGrouping<string, (string Device, string Type, string Id, string State)> device in alerts.Where(a => a.Type == "tachycardia").GroupBy(a => a.Device))
        {
            int open = 0;
            foreach ((string _, string _, string _, string state) in device)
            {
                open += state == "raised" ? 1 : state == "cleared" ? -1 : 0;
                Assert.InRange(open, 0, 1);
            }
        }
    }
}
