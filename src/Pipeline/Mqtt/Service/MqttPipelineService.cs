using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// One service instance wired together: a <see cref="MqttConnection"/> (client id = instance, will = offline), the
/// <see cref="LivePipeline"/> with sinks [metrics, MQTT, alert stage, extra…], the <see cref="AlertStage"/> whose alerts
/// go to MQTT (and the extra sinks), acknowledge commands routed to the alert engine, and optionally gateway ingest
/// (<see cref="MqttGatewayRouter"/>). Used by <c>heartstream demo</c>, the integration tests and the alert bench.
/// </summary>
public sealed class MqttPipelineService : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly AlertStateStore _store;
    private readonly SemaphoreSlim _moves = new(1, 1);
    private int _stopped;
    private TimeSpan _handover;

    private MqttPipelineService(MqttConnection client, MqttEventSink sink, AlertStage alerts, LivePipeline pipeline, MqttGatewayRouter? router, ShardMembership? shards, AlertStateStore store, ILoggerFactory loggers)
    {
        _store = store;
        Shards = shards;
        Client = client;
        Sink = sink;
        Alerts = alerts;
        Pipeline = pipeline;
        Router = router;
        _loggers = loggers;
    }

    /// <summary>The service's one MQTT connection.</summary>
    public MqttConnection Client { get; }

    /// <summary>Publishes events and alerts.</summary>
    public MqttEventSink Sink { get; }

    /// <summary>The alert engine stage.</summary>
    public AlertStage Alerts { get; }

    /// <summary>The live pipeline (add local devices here).</summary>
    public LivePipeline Pipeline { get; }

    /// <summary>Shard ownership when <see cref="MqttClientOptions.Shards"/> is above 0 (and ingest is on), else null.</summary>
    public ShardMembership? Shards { get; }

    /// <summary>Gateway ingest, or null when the service was started without it.</summary>
    public MqttGatewayRouter? Router { get; }

    /// <summary>Connects, starts the pipeline and subscribes (audio when <paramref name="ingest"/>, acknowledgements always).</summary>
    public static async Task<MqttPipelineService> StartAsync(
        MqttClientOptions mqtt,
        string instance,
        AlertOptions alertOptions,
        LivePipelineOptions pipelineOptions,
        IDeviceAnalyzerFactory analyzers,
        IEnumerable<IEventSink>? extraSinks = null,
        bool ingest = true,
        ILoggerFactory? loggers = null,
        ILiveClassifierFactory? classifiers = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(alertOptions);
        ArgumentNullException.ThrowIfNull(pipelineOptions);
        ArgumentNullException.ThrowIfNull(analyzers);
        loggers ??= NullLoggerFactory.Instance;
        IEventSink[] extra = [.. extraSinks ?? []];
        var client = new MqttConnection(MqttEventSink.CreateClientOptions(mqtt, instance));
        try
        {
            var sink = new MqttEventSink(client, instance, loggers.CreateLogger<MqttEventSink>());
            var alerts = new AlertStage(new AlertEngine(alertOptions), [sink, .. extra])
            {
                StateInterval = ingest && mqtt.Shards > 0 ? TimeSpan.FromSeconds(mqtt.ShardStateSeconds) : TimeSpan.Zero,
            };
            sink.AcknowledgeReceived += (_, ack) => alerts.Acknowledge(ack.AlertId);
            var pipeline = new LivePipeline(pipelineOptions, analyzers, [new MetricsEventSink(), sink, alerts, .. extra], loggers.CreateLogger<LivePipeline>(), classifiers);
            pipeline.Start();
            ShardMembership? shards = ingest && mqtt.Shards > 0
                ? new ShardMembership(client, instance, mqtt.Shards, TimeSpan.FromSeconds(mqtt.ShardSettleSeconds), loggers.CreateLogger<ShardMembership>())
                : null;
            MqttGatewayRouter? router = ingest ? new MqttGatewayRouter(client, pipeline, loggers.CreateLogger<MqttGatewayRouter>(), maxDevices: pipelineOptions.MaxDevices, idleDeviceSeconds: pipelineOptions.IdleDeviceSeconds,
                    deviceAudioRateLimit: pipelineOptions.DeviceAudioRateLimit, deviceAudioBurstSeconds: pipelineOptions.DeviceAudioBurstSeconds, shards: shards,
                    sessionOptions: mqtt, sessionLogger: loggers.CreateLogger<ShardSessions>()) : null;
            if (router is not null)
            {
                router.DeviceRefused += sink.PublishRefused;
                router.DeviceTakenOver += sink.MarkHandover;
            }

            var store = new AlertStateStore(client, loggers.CreateLogger<AlertStateStore>());
            if (shards is not null && router is not null)
            {
                // Fenced (the broker connection lost): nothing about devices is published until ownership is decided
                // again, and what still waits for an ack is dropped: another instance may own those devices by then.
                sink.Muted = () => shards.IsFenced;
                store.Muted = () => shards.IsFenced;
                store.LastFrame = router.LastFrame;
                shards.Fenced += lost => MqttServiceLog.ShardsFenced(loggers.CreateLogger<MqttPipelineService>(), lost.Count, client.DropPending(MqttTopics.IsDeviceTopic));
                client.Connected += (_, _) =>
                {
                    if (shards.IsFenced)
                    {
                        client.DropPending(MqttTopics.IsDeviceTopic);
                    }
                };
            }
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);

            // Sharded: learn the live instances first, so that only the owned shards' state is restored and analysed.
            var handover = TimeSpan.FromSeconds(mqtt.ShardHandoverSeconds);
            if (shards is not null)
            {
                await shards.StartAsync(cancellationToken).ConfigureAwait(false);
                await shards.WaitReleasedAsync(shards.Owned, handover, cancellationToken).ConfigureAwait(false);
            }

            // Before any device's events: the alert state a previous run left on the broker (a crash included).
            IReadOnlyList<AlertStateSnapshot> state = await store.LoadAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            if (shards is null || router is null)
            {
                alerts.Restore(state);
            }
            else
            {
                RestoreOwned(state, shards.Owns, shards.Shards, alerts, router);
            }
            alerts.StateChanged += store.Write;
            await sink.SubscribeAsync(cancellationToken).ConfigureAwait(false);
            if (router is not null)
            {
                await router.SubscribeAsync(cancellationToken).ConfigureAwait(false);
            }

            var service = new MqttPipelineService(client, sink, alerts, pipeline, router, shards, store, loggers) { _handover = handover };
            if (shards is not null)
            {
                sink.PublishHeld(router!.Sessions!.Held);
                shards.OwnershipChanged += (gained, lost) => _ = service.FollowMoveAsync(gained, lost);
                router.Sessions.SessionLost += (shard, reason) => service.OnSessionLost(shard);
            }

            return service;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Graceful stop: ingest stops, the pipeline drains (every device ends, its alerts clear), alerts still queued for
    /// the broker get up to <paramref name="publishTimeout"/> to be acknowledged, the status goes "offline", and the
    /// client disconnects.
    /// </summary>
    public async Task StopAsync(TimeSpan? publishTimeout = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (Shards is not null)
        {
            // The other instances take this one's shards once its status says offline: first no more audio (the
            // broker queues it in the shards' sessions for them), then the devices drain and their alerts are
            // handed over (left active in the retained state, with the last frame taken), not cleared.
            Shards.Dispose();
            await _moves.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Router!.ReleaseSessionsAsync().ConfigureAwait(false);
            }
            finally
            {
                _moves.Release();
            }

            Alerts.HandOverAll();
        }

        Router?.Stop();
        await Pipeline.StopAsync(cancellationToken).ConfigureAwait(false);
        await Alerts.CompleteAsync(cancellationToken).ConfigureAwait(false);
        DateTime until = DateTime.UtcNow + (publishTimeout ?? TimeSpan.FromSeconds(5));
        while (Client.IsConnected && Client.PendingCount > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await Sink.PublishOfflineAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The broker did not ack in time; the will still says offline if the connection drops uncleanly.
        }

        await Client.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Follows a shard move: the lost shards' devices are handed over (their alerts released, not cleared) and their
    /// audio no longer taken; for the gained shards the retained alert state is read first, so an alert active at the
    /// old owner goes on under its id here, and then their audio is taken. Moves are applied one at a time.
    /// </summary>
    private async Task FollowMoveAsync(IReadOnlySet<int> gained, IReadOnlySet<int> lost)
    {
        ShardMembership shards = Shards!;
        await _moves.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _stopped) != 0 || Router is null)
            {
                return;
            }

            if (lost.Count > 0)
            {
                // No more frames first (the sessions' queues keep them for the new owner), then the devices end; their
                // last state (alerts released, not cleared; the last frame taken) is what the new owner reads.
                Alerts.ReleasePending(id => lost.Contains(ShardMap.ShardOf(id, shards.Shards)));
                await Router.ReleaseShardsAsync(lost, hold: () => Alerts.HandOver(Router.StreamingOn(lost))).ConfigureAwait(false);
                await PublishReleasedAsync().ConfigureAwait(false);
            }

            if (gained.Count > 0)
            {
                await TakeAsync(gained).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MqttConnectionException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            MqttServiceLog.ShardMoveFailed(_loggers.CreateLogger<MqttPipelineService>(), ex, ex.Message);
        }
        finally
        {
            _moves.Release();
        }
    }

    private void OnSessionLost(int shard) => _ = FollowLostSessionAsync(shard);

    /// <summary>
    /// A shard's session ended unasked while this instance owns the shard (another instance, whose view of the members
    /// differed for a moment, took it; or that one connection broke): its devices are handed over, and after the
    /// settle delay, if this instance still owns the shard, it takes the session (and the devices' state) again.
    /// </summary>
    private async Task FollowLostSessionAsync(int shard)
    {
        ShardMembership shards = Shards!;
        await _moves.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _stopped) != 0 || Router is null || !shards.Owns(shard))
            {
                return; // a move or a fence already dealt with it
            }

            var set = new SortedSet<int> { shard };
            Alerts.ReleasePending(id => ShardMap.ShardOf(id, shards.Shards) == shard);
            await Router.ReleaseShardsAsync(set, hold: () => Alerts.HandOver(Router.StreamingOn(set))).ConfigureAwait(false);
            await PublishReleasedAsync().ConfigureAwait(false);
        }
        finally
        {
            _moves.Release();
        }

        await Task.Delay(shards.SettleDelay + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await _moves.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _stopped) == 0 && !shards.IsFenced && shards.Owns(shard) && !Router.Sessions!.Held.Contains(shard))
            {
                await TakeAsync(new SortedSet<int> { shard }).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MqttConnectionException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            MqttServiceLog.ShardMoveFailed(_loggers.CreateLogger<MqttPipelineService>(), ex, ex.Message);
        }
        finally
        {
            _moves.Release();
        }
    }

    /// <summary>
    /// The retained states of the devices on <paramref name="shardTaken"/> shards: their alerts restored, their frame
    /// sequences seeded with the last frame the previous owner took (start-up and every gained shard alike).
    /// </summary>
    private static void RestoreOwned(IReadOnlyList<AlertStateSnapshot> state, Func<int, bool> shardTaken, int shardCount, AlertStage alerts, MqttGatewayRouter router)
    {
        AlertStateSnapshot[] mine = [.. state.Where(s => shardTaken(ShardMap.ShardOf(s.DeviceId, shardCount)))];
        router.Seed(mine.Where(s => s.LastFrame is not null).Select(s => (s.DeviceId, s.LastFrame!.Value)));
        alerts.Restore(mine);
    }

    /// <summary>
    /// After released sessions: once the handed-over devices' streams ended (their last state queued), the status says
    /// which shards this instance still holds; queued behind those states, so a new owner that sees a shard released
    /// reads its devices' final state.
    /// </summary>
    private async Task PublishReleasedAsync()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Alerts.HandingOverCount > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) < _handover)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        Sink.PublishHeld(Router!.Sessions!.Held);
    }

    /// <summary>
    /// Waits for the gained shards' previous owners to release them (planned moves), reads the shards' retained state
    /// (alerts and last frames), then takes their sessions.
    /// </summary>
    private async Task TakeAsync(IReadOnlySet<int> gained)
    {
        ShardMembership shards = Shards!;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        await shards.WaitReleasedAsync(gained, _handover).ConfigureAwait(false);
        IReadOnlyList<AlertStateSnapshot> state = await _store.LoadAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        RestoreOwned(state, gained.Contains, shards.Shards, Alerts, Router!);
        await Router!.TakeShardsAsync(gained).ConfigureAwait(false);
        Sink.PublishHeld(Router.Sessions!.Held);
        HeartStreamMetrics.RecordShardHandover(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _stopped) == 0)
        {
            Pipeline.Abort();
            await Alerts.DisposeAsync().ConfigureAwait(false);
            Interlocked.Exchange(ref _stopped, 1);
            Shards?.Dispose();
            await Client.DisposeAsync().ConfigureAwait(false);
        }

        await Pipeline.DisposeAsync().ConfigureAwait(false);
        _ = _loggers;
    }
}
