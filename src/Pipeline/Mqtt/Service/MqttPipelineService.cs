using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt.Sharding;
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
            var alerts = new AlertStage(new AlertEngine(alertOptions), [sink, .. extra]);
            sink.AcknowledgeReceived += (_, ack) => HeartStreamMetrics.AddAcknowledgement(alerts.Acknowledge(ack.AlertId) ? "accepted" : "unknown");
            var pipeline = new LivePipeline(pipelineOptions, analyzers, [new MetricsEventSink(), sink, alerts, .. extra], loggers.CreateLogger<LivePipeline>(), classifiers);
            pipeline.Start();
            ShardMembership? shards = ingest && mqtt.Shards > 0
                ? new ShardMembership(client, instance, mqtt.Shards, TimeSpan.FromSeconds(mqtt.ShardSettleSeconds), loggers.CreateLogger<ShardMembership>())
                : null;
            MqttGatewayRouter? router = ingest ? new MqttGatewayRouter(client, pipeline, loggers.CreateLogger<MqttGatewayRouter>(), maxDevices: pipelineOptions.MaxDevices, idleDeviceSeconds: pipelineOptions.IdleDeviceSeconds,
                    deviceAudioRateLimit: pipelineOptions.DeviceAudioRateLimit, deviceAudioBurstSeconds: pipelineOptions.DeviceAudioBurstSeconds, shards: shards) : null;
            if (router is not null)
            {
                router.DeviceRefused += sink.PublishRefused;
            }

            var store = new AlertStateStore(client, loggers.CreateLogger<AlertStateStore>());
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);

            // Sharded: learn the live instances first, so that only the owned shards' state is restored and analysed.
            if (shards is not null)
            {
                await shards.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            // Before any device's events: the alert state a previous run left on the broker (a crash included).
            IReadOnlyList<AlertStateSnapshot> state = await store.LoadAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            alerts.Restore(shards is null ? state : [.. state.Where(s => shards.Owned.Contains(ShardMap.ShardOf(s.DeviceId, shards.Shards)))]);
            alerts.StateChanged += store.Write;
            await sink.SubscribeAsync(cancellationToken).ConfigureAwait(false);
            if (router is not null)
            {
                await router.SubscribeAsync(cancellationToken).ConfigureAwait(false);
            }

            var service = new MqttPipelineService(client, sink, alerts, pipeline, router, shards, store, loggers);
            if (shards is not null)
            {
                shards.OwnershipChanged += (gained, lost) => _ = service.FollowMoveAsync(gained, lost);
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
            // The other instances take this one's shards once its status says offline; its devices' alerts are
            // handed over (left active in the retained state), not cleared.
            Shards.Dispose();
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
                Alerts.HandOver(Router.StreamingOn(lost));
                Alerts.ReleasePending(id => lost.Contains(ShardMap.ShardOf(id, shards.Shards)));
                await Router.ReleaseShardsAsync(lost).ConfigureAwait(false);
            }

            if (gained.Count > 0)
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                IReadOnlyList<AlertStateSnapshot> state = await _store.LoadAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                Alerts.Restore([.. state.Where(s => gained.Contains(ShardMap.ShardOf(s.DeviceId, shards.Shards)))]);
                await Router.TakeShardsAsync(gained).ConfigureAwait(false);
                HeartStreamMetrics.RecordShardHandover(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
        catch (Exception ex) when (ex is MqttConnectionException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Not connected: the client renews its subscriptions when it reconnects; audio of a lost shard that still
            // arrives is dropped as not owned.
            _loggers.CreateLogger<MqttPipelineService>().LogWarning(ex, "Following a shard move failed: {Reason}", ex.Message);
        }
        finally
        {
            _moves.Release();
        }
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
