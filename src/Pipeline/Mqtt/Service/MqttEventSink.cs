using System.Reflection;
using System.Text;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// Publishes pipeline and alert events on the service's one <see cref="MqttConnection"/> (docs/mqtt.md): beats batched
/// per vitals interval (about a second, QoS 0), vitals and live classifications retained (QoS 0), device status
/// retained (QoS 1), alerts QoS 1,
/// and the retained service status ("online" on every connect; the client's last will says "offline"). Subscribes to
/// acknowledge commands and raises <see cref="AcknowledgeReceived"/>. Publishing never blocks: QoS 0 messages are
/// dropped (and counted) while disconnected; QoS 1 messages wait in the connection's outbox and are sent after the reconnect.
/// </summary>
/// <remarks>
/// Thread-safe: the dispatch stage (pipeline events) and the alert stage (alert events) call it concurrently; one lock
/// guards the serialiser and the beat batches.
/// </remarks>
public sealed class MqttEventSink : IEventSink
{
    private readonly MqttConnection _client;
    private readonly string _instance;
    private readonly ILogger _logger;
    private readonly PayloadSerializer _serializer = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceBatch> _batches = new(StringComparer.Ordinal);
    private readonly HashSet<(string AlertId, AlertState State)> _alertSteps = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private long _alertsPublished;
    private long _alertsAcked;
    private readonly Lock _refusedGate = new();
    private long _refusedSecond;
    private int _refusedInSecond;
    private long _refusedPublished;
    private long _alertsFailed;
    private long _dropped;
    private long _muted;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _handover = new(StringComparer.Ordinal);
    private long _acksReceived;
    private long _acksRejected;
    private int _devices;
    private int[]? _held;

    /// <summary>Attaches to <paramref name="client"/> (connected or not yet); call <see cref="SubscribeAsync"/> once connected.</summary>
    public MqttEventSink(MqttConnection client, string instance, ILogger<MqttEventSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _ = MqttTopics.ServiceStatus(instance); // validates the instance name
        _client = client;
        _instance = instance;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _client.Connected += OnConnected;
        _client.Disconnected += OnDisconnected;
        _client.MessageReceived += OnMessage;
        if (_client.IsConnected)
        {
            OnConnected(this, new MqttConnectionEventArgs(0, "already connected", false));
        }
    }

    /// <summary>An acknowledge command arrived (on the MQTT network thread): route it to the alert stage.</summary>
    public event EventHandler<AlertAckPayload>? AcknowledgeReceived;

    /// <summary>Alert steps handed to the client (distinct alert id + state).</summary>
    public long AlertsPublished => Interlocked.Read(ref _alertsPublished);

    /// <summary>Alert steps the broker acknowledged (QoS 1 PUBACK).</summary>
    public long AlertsAcked => Interlocked.Read(ref _alertsAcked);

    /// <summary>Alert steps the client refused or failed (queue full, client disposed).</summary>
    public long AlertsFailed => Interlocked.Read(ref _alertsFailed);

    /// <summary>QoS 0 messages (beats, vitals, classifications) not sent because the broker was unreachable.</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    /// <summary>Valid acknowledge commands received.</summary>
    public long AcksReceived => Interlocked.Read(ref _acksReceived);

    /// <summary>Malformed acknowledge commands ignored.</summary>
    public long AcksRejected => Interlocked.Read(ref _acksRejected);

    /// <summary>The last-will message of an instance: its retained status "offline".</summary>
    public static MqttWill CreateWill(string instance) =>
        new(MqttTopics.ServiceStatus(instance), Encoding.UTF8.GetBytes(PayloadSerializer.ToJson(StatusPayload(instance, "offline", null, 0), ProtocolJsonContext.Default.ServiceStatusPayload)), 1, true);

    /// <summary>
    /// The service's client options: the configured ones with the instance as client id, the offline will, and a
    /// persistent session (so acknowledge subscriptions and queued QoS 1 messages survive a broker restart).
    /// </summary>
    public static MqttClientOptions CreateClientOptions(MqttClientOptions configured, string instance)
    {
        ArgumentNullException.ThrowIfNull(configured);
        return new MqttClientOptions
        {
            Host = configured.Host,
            Port = configured.Port,
            ClientId = string.IsNullOrEmpty(configured.ClientId) ? instance : configured.ClientId,
            Username = configured.Username,
            Password = configured.Password,
            TlsCaFile = configured.TlsCaFile,
            TlsCertFile = configured.TlsCertFile,
            TlsKeyFile = configured.TlsKeyFile,
            RequireTls = configured.RequireTls,
            ProtocolVersion = configured.ProtocolVersion,
            KeepAliveSeconds = configured.KeepAliveSeconds,
            CleanStart = false,
            SessionExpirySeconds = configured.SessionExpirySeconds > 0 ? configured.SessionExpirySeconds : 3600,
            Will = CreateWill(instance),
            ConnectTimeout = configured.ConnectTimeout,
            ReconnectDelayMin = configured.ReconnectDelayMin,
            ReconnectDelayMax = configured.ReconnectDelayMax,
            MaxQueuedMessages = configured.MaxQueuedMessages,
        };
    }

    /// <summary>Subscribes to acknowledge commands (renewed by the client after reconnects).</summary>
    public Task SubscribeAsync(CancellationToken cancellationToken = default) =>
        _client.SubscribeAsync(MqttTopics.AlertAckSubscription, 1, cancellationToken);

    /// <summary>While this returns true device events are not published (a sharded instance that lost its broker connection).</summary>
    public Func<bool>? Muted { get; set; }

    /// <summary>Device events not published because <see cref="Muted"/> said so.</summary>
    public long MutedEvents => Interlocked.Read(ref _muted);

    /// <summary>
    /// Marks a device whose stream continues another instance's (a moved shard): its vitals say <c>handover</c> until
    /// its stream here is <see cref="HandoverSeconds"/> long.
    /// </summary>
    public void MarkHandover(string deviceId) => _handover[deviceId] = 0;

    /// <summary>How long a moved device's vitals carry the handover flag: the analysis history it rebuilds.</summary>
    public const double HandoverSeconds = 10;

    /// <inheritdoc />
    public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        lock (_gate)
        {
            switch (pipelineEvent)
            {
                case BeatEvent beat:
                    Batch(beat.DeviceId).Beats.Add(beat);
                    break;
                case VitalsEvent vitals:
                    FlushBeats(vitals.DeviceId, vitals.StreamTimeSeconds);
                    VitalsPayload payload = PayloadMapper.ToPayload(vitals);
                    if (!_handover.IsEmpty && _handover.ContainsKey(vitals.DeviceId))
                    {
                        if (vitals.StreamTimeSeconds < HandoverSeconds)
                        {
                            payload = payload with { Handover = true };
                        }
                        else
                        {
                            _handover.TryRemove(vitals.DeviceId, out _);
                        }
                    }

                    Publish(MqttTopics.Vitals(vitals.DeviceId), _serializer.Serialize(payload, ProtocolJsonContext.Default.VitalsPayload), 0, true);
                    break;
                case ClassificationEvent classification:
                    Publish(MqttTopics.Classification(classification.DeviceId), _serializer.Serialize(PayloadMapper.ToPayload(classification), ProtocolJsonContext.Default.ClassificationPayload), 0, true);
                    break;
                case DeviceStatusEvent status:
                    FlushBeats(status.DeviceId, status.StreamTimeSeconds);
                    UpdateDeviceCount(status);
                    Publish(MqttTopics.Status(status.DeviceId), _serializer.Serialize(PayloadMapper.ToPayload(status), ProtocolJsonContext.Default.DeviceStatusPayload), 1, true);
                    break;
                case AlertEvent alert:
                    PublishAlert(alert);
                    break;
                default:
                    break;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach ((string device, DeviceBatch batch) in _batches)
            {
                if (batch.Beats.Count > 0)
                {
                    FlushBeats(device, batch.Beats[^1].StreamTimeSeconds);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Publishes the retained service status "offline" before a clean shutdown (the will only covers crashes).</summary>
    public Task PublishOfflineAsync(CancellationToken cancellationToken = default)
    {
        byte[] payload = Encoding.UTF8.GetBytes(PayloadSerializer.ToJson(StatusPayload(_instance, "offline", _started, 0), ProtocolJsonContext.Default.ServiceStatusPayload));
        return _client.IsConnected
            ? _client.PublishAsync(MqttTopics.ServiceStatus(_instance), payload, 1, true, cancellationToken)
            : Task.CompletedTask;
    }

    /// <summary>
    /// Sharded: republishes the online status listing the shards whose sessions this instance holds, queued after
    /// every state written before it on the same connection (so a reader that sees a shard released sees its state).
    /// </summary>
    public void PublishHeld(IReadOnlyCollection<int> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_gate)
        {
            _held = [.. held];
        }

        PublishOnline();
    }

    private static ServiceStatusPayload StatusPayload(string instance, string status, DateTimeOffset? started, int devices, int[]? held = null) =>
        new(ProtocolSchema.Version, instance, status, typeof(MqttEventSink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0", started, devices, held);

    private DeviceBatch Batch(string deviceId)
    {
        if (!_batches.TryGetValue(deviceId, out DeviceBatch? batch))
        {
            batch = new DeviceBatch();
            _batches.Add(deviceId, batch);
        }

        return batch;
    }

    private void FlushBeats(string deviceId, double windowEnd)
    {
        DeviceBatch batch = Batch(deviceId);
        if (batch.Beats.Count > 0)
        {
            double end = Math.Max(windowEnd, batch.Beats[^1].Sound.EndSeconds);
            BeatsPayload payload = PayloadMapper.ToPayload(deviceId, batch.WindowStart, end, batch.Beats);
            Publish(MqttTopics.Beats(deviceId), _serializer.Serialize(payload, ProtocolJsonContext.Default.BeatsPayload), 0, false);
            batch.Beats.Clear();
            batch.WindowStart = end;
        }
        else if (windowEnd > batch.WindowStart)
        {
            batch.WindowStart = windowEnd;
        }
    }

    private void UpdateDeviceCount(DeviceStatusEvent status)
    {
        DeviceBatch batch = Batch(status.DeviceId);
        bool online = status.Status is DeviceStatus.Online or DeviceStatus.NoSignal;
        if (online != batch.Counted)
        {
            batch.Counted = online;
            _devices += online ? 1 : -1;
        }
    }

    private void PublishAlert(AlertEvent alert)
    {
        if (IsMuted())
        {
            return; // before the duplicate check: a muted step must not make the same step later look like a repeat
        }

        if (!_alertSteps.Add((alert.AlertId, alert.State)) && alert.State != AlertState.Updated)
        {
            return; // the same lifecycle step twice would be a duplicate for every consumer
        }

        ReadOnlyMemory<byte> json = _serializer.Serialize(PayloadMapper.ToPayload(alert), ProtocolJsonContext.Default.AlertPayload);
        if (alert.State == AlertState.Cleared)
        {
            _alertSteps.Remove((alert.AlertId, AlertState.Raised));
            _alertSteps.Remove((alert.AlertId, AlertState.Updated));
            _alertSteps.Remove((alert.AlertId, AlertState.Cleared));
        }

        Task acked;
        try
        {
            // PublishAsync copies the payload into the outgoing message before returning, so the reused buffer is safe.
            acked = _client.PublishAsync(MqttTopics.Alerts(alert.DeviceId), json, 1, false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or MqttConnectionException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _alertsFailed);
            MqttServiceLog.AlertNotPublished(_logger, alert.AlertId, ex.Message);
            return;
        }

        Interlocked.Increment(ref _alertsPublished);
        _ = acked.ContinueWith(
            static (t, state) =>
            {
                var sink = (MqttEventSink)state!;
                if (t.IsCompletedSuccessfully)
                {
                    Interlocked.Increment(ref sink._alertsAcked);
                }
                else
                {
                    Interlocked.Increment(ref sink._alertsFailed);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Most "refused" device statuses published per second; the rest are only counted by the router.</summary>
    public const int MaxRefusedStatusesPerSecond = 10;

    /// <summary>"refused" statuses published (see <see cref="PublishRefused"/>).</summary>
    public long RefusedStatusesPublished => Interlocked.Read(ref _refusedPublished);

    /// <summary>
    /// Tells a device that this instance refused its audio (<c>Pipeline:MaxDevices</c> devices stream): a device status
    /// <c>refused</c> with the reason, QoS 0 and not retained, so a flood of new ids leaves nothing on the broker;
    /// at most <see cref="MaxRefusedStatusesPerSecond"/> per second. Callable from any thread.
    /// </summary>
    public void PublishRefused(string deviceId, int devicesStreaming)
    {
        long second = Environment.TickCount64 / 1000;
        lock (_refusedGate)
        {
            if (second != _refusedSecond)
            {
                _refusedSecond = second;
                _refusedInSecond = 0;
            }

            if (++_refusedInSecond > MaxRefusedStatusesPerSecond)
            {
                return;
            }
        }

        string reason = $"this instance already serves {devicesStreaming} devices, the most Pipeline:MaxDevices allows";
        var status = new DeviceStatusPayload(ProtocolSchema.Version, deviceId, "refused", 0, reason);
        Publish(MqttTopics.Status(deviceId), Encoding.UTF8.GetBytes(PayloadSerializer.ToJson(status, ProtocolJsonContext.Default.DeviceStatusPayload)), 0, false);
        Interlocked.Increment(ref _refusedPublished);
    }

    private bool IsMuted()
    {
        if (Muted?.Invoke() != true)
        {
            return false;
        }

        Interlocked.Increment(ref _muted);
        return true;
    }

    private void Publish(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain)
    {
        if (IsMuted())
        {
            return;
        }

        if (!_client.TryPublish(topic, payload.Span, qos, retain, out _))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private void OnConnected(object? sender, MqttConnectionEventArgs e)
    {
        HeartStreamMetrics.SetBrokerConnected(true);
        PublishOnline();
    }

    /// <summary>Queues the retained "online" status (devices, held shards) on the service connection.</summary>
    private void PublishOnline()
    {
        byte[] payload;
        lock (_gate)
        {
            payload = Encoding.UTF8.GetBytes(PayloadSerializer.ToJson(StatusPayload(_instance, "online", _started, _devices, _held), ProtocolJsonContext.Default.ServiceStatusPayload));
        }

        if (!_client.TryPublish(MqttTopics.ServiceStatus(_instance), payload, 1, true, out _))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private void OnDisconnected(object? sender, MqttConnectionEventArgs e) => HeartStreamMetrics.SetBrokerConnected(false);

    private void OnMessage(object? sender, MqttMessageEventArgs e)
    {
        if (!MqttTopics.TryGetDeviceId(e.Topic, "alerts/ack", out string? deviceId))
        {
            return;
        }

        if (!PayloadSerializer.TryParseAck(e.Payload.Span, out AlertAckPayload? ack, out string? error))
        {
            Interlocked.Increment(ref _acksRejected);
            HeartStreamMetrics.AddAcknowledgement("malformed");
            MqttServiceLog.AckRejected(_logger, deviceId!, error!);
            return;
        }

        Interlocked.Increment(ref _acksReceived);
        AcknowledgeReceived?.Invoke(this, ack!);
    }

    private sealed class DeviceBatch
    {
        public List<BeatEvent> Beats { get; } = new(16);

        public double WindowStart { get; set; }

        public bool Counted { get; set; }
    }
}
