using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HeartStream.IntegrationTests.Mqtt;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.IntegrationTests.Service;

/// <summary>
/// Several service instances on one real mosquitto with <c>Mqtt:Shards</c> on, and the gateway simulator publishing 40
/// devices on their shard topics (half of them a real tachycardic child under an adult 100 bpm limit): every shard is
/// owned by exactly the instance the rendezvous hash names, every device streams into exactly one instance, and when an
/// instance stops or joins its shards move to (from) the others with their active alerts: every alert is raised once and
/// cleared once under one id, and no device has two alerts of a type active at once. Waits are conditions with a hang
/// guard; the move times are printed, not asserted.
/// </summary>
public sealed class ShardingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Shards = 16;
    private const double SettleSeconds = 0.5;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly List<IAsyncDisposable> _owned = [];
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        IReadOnlyList<string> errors = _broker.ErrorLines;
        await _broker.DisposeAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ThreeInstances_EachDeviceOnItsShardOwner_StopAndJoinMoveShards()
    {
        SegmentationAnalyzerFactory analyzers = ServiceHarness.Analyzers();
        var services = new Dictionary<string, MqttPipelineService>(StringComparer.Ordinal);
        foreach (string name in new[] { "hs-a", "hs-b", "hs-c" })
        {
            services[name] = await StartAsync(name, analyzers);
        }

        await UntilOwnershipMatchesAsync(services, "three instances started");
        Assert.Equal(Shards, services.Values.Sum(s => s.Shards!.Owned.Count));
        MqttConnection observer = Own(await ServiceHarness.SubscriberAsync(_broker, "shard-observer", "-"));
        var alerts = new ConcurrentQueue<(string Device, string Type, string Id, string State)>();
        observer.MessageReceived += (_, m) =>
        {
            if (m.Topic.EndsWith("/alerts", StringComparison.Ordinal))
            {
                JsonElement a = ServiceHarness.Json(m);
                alerts.Enqueue((a.GetProperty("device_id").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("alert_id").GetString()!, a.GetProperty("state").GetString()!));
            }
        };
        await observer.SubscribeAsync("heartstream/v1/devices/+/alerts", 1);

        MqttConnection gateway = Own(await ServiceHarness.SubscriberAsync(_broker, "shard-gw", "-"));
        string[] recordings = [ServiceHarness.FastRecording, ServiceHarness.NormalRecording];
        var devices = Enumerable.Range(0, 40).Select(i => ServiceHarness.Device(GatewaySimulator.DeviceId(i), recordings[i % 2])).ToArray();
        var simulator = new GatewaySimulator(gateway, devices, shards: Shards);
        using var stop = new CancellationTokenSource();
        Task simulating = simulator.RunAsync(stop.Token);
        string[] ids = [.. devices.Select(d => d.DeviceId)];

        await UntilEveryDeviceOnItsOwnerAsync(services, ids, "devices streaming");

        // Tachycardia raised (10 s after its onset) on devices of hs-b, which then stops: they move with their alerts.
        string[] ofB = [.. ids.Where(id => ShardMap.OwnerOf(ShardMap.ShardOf(id, Shards), services.Keys) == "hs-b")];
        await UntilAsync(() => alerts.Any(a => a.State == "raised" && ofB.Contains(a.Device)), () => "a raised alert on a device of hs-b");

        string[] movedAlerts = [.. alerts.Where(a => a.State == "raised" && ofB.Contains(a.Device)).Select(a => a.Id)];

        // A planned stop: its status says offline, the other two take its shards after the settle delay.
        var clock = Stopwatch.StartNew();
        MqttPipelineService b = services["hs-b"];
        services.Remove("hs-b");
        await b.StopAsync();
        await UntilOwnershipMatchesAsync(services, "hs-b stopped");
        double moved = clock.Elapsed.TotalSeconds;
        await UntilEveryDeviceOnItsOwnerAsync(services, ids, "devices after hs-b stopped");
        output.WriteLine(FormattableString.Invariant($"SHARD-MOVE hs-b stopped: shards owned again after {moved:0.00} s, every device streaming at its new owner after {clock.Elapsed.TotalSeconds:0.00} s (settle {SettleSeconds} s)"));
        Assert.Equal(Shards, services.Values.Sum(s => s.Shards!.Owned.Count));

        // A join: the newcomer takes about a third of the shards from the other two, and only those move.
        var before = services.ToDictionary(p => p.Key, p => p.Value.Shards!.Owned.ToHashSet(), StringComparer.Ordinal);
        services["hs-d"] = await StartAsync("hs-d", analyzers);
        await UntilOwnershipMatchesAsync(services, "hs-d joined");
        await UntilEveryDeviceOnItsOwnerAsync(services, ids, "devices after hs-d joined");
        foreach ((string name, HashSet<int> had) in before)
        {
            Assert.Subset(had, services[name].Shards!.Owned.ToHashSet()); // nobody gained anything but the newcomer
        }

        Assert.InRange(services["hs-d"].Shards!.Owned.Count, 1, Shards - 2);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the moved devices stream on at their new owners
        var beforeEnd = alerts.ToArray();
        await stop.CancelAsync();
        await simulating;
        Assert.Equal(0, simulator.FramesNotSent);

        // The devices go quiet and are ended (Pipeline:IdleDeviceSeconds 2): every alert clears at its last owner.
        await UntilAsync(
            () => alerts.Where(a => a.State == "raised").All(r => alerts.Any(c => c.Id == r.Id && c.State == "cleared")),
            () => "every raised alert cleared: " + string.Join(", ", alerts.Select(a => $"{a.Id} {a.State}")));
        (string Device, string Type, string Id, string State)[] all = [.. alerts.Where(a => a.State is "raised" or "cleared")];
        Assert.Contains(all, a => a.State == "raised" && ofB.Contains(a.Device));
        foreach (IGrouping<string, (string Device, string Type, string Id, string State)> episode in all.GroupBy(a => a.Id))
        {
            Assert.True(
                episode.Count(a => a.State == "raised") == 1 && episode.Count(a => a.State == "cleared") == 1,
                $"alert {episode.Key}: {string.Join(", ", episode.Select(a => a.State))}");
        }

        foreach (IGrouping<(string Device, string Type), (string Device, string Type, string Id, string State)> series in all.GroupBy(a => (a.Device, a.Type)))
        {
            int active = 0;
            foreach ((string _, string _, string _, string state) in series)
            {
                active += state == "raised" ? 1 : -1;
                Assert.True(active is 0 or 1, $"{series.Key.Device} {series.Key.Type}: two alerts active at once ({string.Join(", ", series.Select(a => $"{a.Id} {a.State}"))})");
            }
        }

        // The alerts active on hs-b's devices when it stopped went on at their new owners: not cleared while the
        // tachycardic devices streamed, not raised again.
        Assert.All(movedAlerts, id => Assert.DoesNotContain(beforeEnd, a => a.Id == id && a.State == "cleared"));
        Assert.All(ofB, d => Assert.True(
            beforeEnd.Count(a => a.Device == d && a.Type == "tachycardia" && a.State == "raised") <= 1,
            $"{d}: tachycardia raised again after the move ({string.Join(", ", beforeEnd.Where(a => a.Device == d).Select(a => $"{a.Id} {a.State}"))})"));
        output.WriteLine(FormattableString.Invariant($"SHARD-ALERTS {movedAlerts.Length} alerts active on hs-b's devices went on at their new owners;"));
        output.WriteLine(FormattableString.Invariant($"SHARD-ALERTS {all.Count(a => a.State == "raised")} alerts raised and cleared once each across the moves ({ofB.Length} devices of hs-b)"));
    }

    private async Task<MqttPipelineService> StartAsync(string name, SegmentationAnalyzerFactory analyzers)
    {
        MqttClientOptions options = ServiceHarness.ServiceOptions(_broker);
        options.Shards = Shards;
        options.ShardSettleSeconds = SettleSeconds;
        options.KeepAliveSeconds = 5;
        return Own(await MqttPipelineService.StartAsync(options, name, ServiceHarness.Adult100(), new LivePipelineOptions { IdleDeviceSeconds = 2 }, analyzers));
    }

    private static async Task UntilOwnershipMatchesAsync(Dictionary<string, MqttPipelineService> services, string what)
    {
        string[] members = [.. services.Keys];
        await UntilAsync(
            () => services.All(p => p.Value.Shards!.Owned.SetEquals(ShardMap.OwnedBy(p.Key, members, Shards))),
            () => what + ": " + string.Join("; ", services.Select(p => $"{p.Key} owns [{string.Join(',', p.Value.Shards!.Owned)}], knows [{string.Join(',', p.Value.Shards.Members)}]")));
    }

    /// <summary>Every device streams into the instance that owns its shard, and into no other.</summary>
    private static async Task UntilEveryDeviceOnItsOwnerAsync(Dictionary<string, MqttPipelineService> services, string[] ids, string what)
    {
        string[] members = [.. services.Keys];
        bool Placed()
        {
            foreach (string id in ids)
            {
                string owner = ShardMap.OwnerOf(ShardMap.ShardOf(id, Shards), members)!;
                foreach ((string name, MqttPipelineService s) in services)
                {
                    bool streaming = s.Router!.Source(id) is { IsEnded: false };
                    if (streaming != (name == owner))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        await UntilAsync(Placed, () => what + ": " + string.Join("; ", services.Select(p => $"{p.Key} streams {p.Value.Router!.Devices.Count(id => p.Value.Router.Source(id) is { IsEnded: false })}")));
    }

    private static async Task UntilAsync(Func<bool> condition, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Guard)
            {
                Assert.Fail("timed out waiting for " + describe());
            }

            await Task.Delay(50);
        }
    }

    private T Own<T>(T item)
        where T : IAsyncDisposable
    {
        _owned.Add(item);
        return item;
    }
}
