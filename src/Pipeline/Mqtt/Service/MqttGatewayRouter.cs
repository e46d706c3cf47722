using System.Collections.Concurrent;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// Gateway ingest: one subscription to heartstream/v1/devices/+/audio on the service's shared client (or, sharded, one
/// persistent session per owned shard, <see cref="ShardSessions"/>); each new device
/// id gets a <see cref="MqttGatewaySource"/> that joins the <see cref="LivePipeline"/> with AddDevice. Frames are
/// parsed with <see cref="AudioFrameCodec"/> on the network thread (allocation-free apart from the decoded samples).
/// A malformed frame is rejected and counted (heartstream_capture_rejected_frames_total by reason) and ends that
/// device's stream with an error naming the problem; every other device carries on. A device whose stream failed
/// rejoins with its next valid frame, once the pipeline has let go of the failed stream.
/// </summary>
public sealed class MqttGatewayRouter : IAsyncDisposable
{
    private readonly MqttConnection _client;
    private readonly LivePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, MqttGatewaySource> _sources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly int _queueFrames;
    private readonly int _maxDevices;
    private readonly int _idleSeconds;
    private readonly double _audioRateLimit;
    private readonly double _audioBurstSeconds;
    private readonly Timer? _idleTimer;
    private readonly ShardMembership? _shards;
    private readonly ShardSessions? _sessions;
    private readonly ConcurrentDictionary<string, uint> _seeds = new(StringComparer.Ordinal);
    private long _idleEnded;
    private long _frames;
    private long _refused;
    private long _lastPruneTicks;
    private int _stopped;

    /// <summary>
    /// Attaches to the client's messages; call <see cref="SubscribeAsync"/> once connected. With <paramref name="shards"/>
    /// the router takes audio only on the shard topics of the shards this instance owns, each through the shard's own
    /// persistent session (<see cref="ShardSessions"/>, made with <paramref name="sessionOptions"/>: broker, credentials,
    /// TLS), and follows their moves.
    /// </summary>
    public MqttGatewayRouter(MqttConnection client, LivePipeline pipeline, ILogger<MqttGatewayRouter>? logger = null, int queueFrames = 512, int maxDevices = 2048, int idleDeviceSeconds = 0, double deviceAudioRateLimit = 0, double deviceAudioBurstSeconds = 60, ShardMembership? shards = null, MqttClientOptions? sessionOptions = null, ILogger<ShardSessions>? sessionLogger = null)
    {
        _shards = shards;
        if (shards is not null)
        {
            ArgumentNullException.ThrowIfNull(sessionOptions);
            _sessions = new ShardSessions(sessionOptions, OnMessage, sessionLogger);
        }

        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDevices);
        _maxDevices = maxDevices;
        ArgumentOutOfRangeException.ThrowIfNegative(idleDeviceSeconds);
        _idleSeconds = idleDeviceSeconds;
        _audioRateLimit = deviceAudioRateLimit;
        _audioBurstSeconds = deviceAudioBurstSeconds;
        if (idleDeviceSeconds > 0)
        {
            TimeSpan period = TimeSpan.FromMilliseconds(Math.Min(1000, idleDeviceSeconds * 250));
            _idleTimer = new Timer(_ => EndIdleDevices(), null, period, period);
        }

        _client = client;
        _pipeline = pipeline;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _queueFrames = queueFrames;
        if (_sessions is null)
        {
            _client.MessageReceived += OnMessage;
        }
    }

    /// <summary>The shards' sessions when sharded (their audio arrives there), else null.</summary>
    public ShardSessions? Sessions => _sessions;

    /// <summary>Raised with the id of a device whose stream here continues another instance's (a moved shard); network thread.</summary>
    public event Action<string>? DeviceTakenOver;

    /// <summary>
    /// Raised (device id, devices streaming) for each frame of a new device refused because <c>Pipeline:MaxDevices</c>
    /// devices stream; on the network thread, so a handler must be cheap (the MQTT sink rate-limits what it publishes).
    /// </summary>
    public event Action<string, int>? DeviceRefused;

    /// <summary>Audio messages received (valid or not).</summary>
    public long FramesReceived => Interlocked.Read(ref _frames);

    /// <summary>Audio frames of new devices refused because <c>Pipeline:MaxDevices</c> were streaming.</summary>
    public long RefusedNewDeviceFrames => Interlocked.Read(ref _refused);

    /// <summary>Devices ended because they sent nothing for <c>Pipeline:IdleDeviceSeconds</c>.</summary>
    public long IdleDevicesEnded => Interlocked.Read(ref _idleEnded);

    /// <summary>Frames rejected so far, all reasons.</summary>
    public long RejectedFrames => _rejected.Values.Sum();

    /// <summary>Rejected frames by reason (the metric's label values).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => new Dictionary<string, long>(_rejected, StringComparer.Ordinal);

    /// <summary>Devices that have sent audio.</summary>
    public IReadOnlyCollection<string> Devices => [.. _sources.Keys];

    /// <summary>The current source of a device, or null.</summary>
    public MqttGatewaySource? Source(string deviceId) => _sources.TryGetValue(deviceId, out MqttGatewaySource? s) ? s : null;

    /// <summary>
    /// Subscribes to every device's audio, or with sharding to the owned shards' audio (QoS 0: late audio is worth less
    /// than no back-pressure); with sharding, the service follows later moves (<see cref="ReleaseShardsAsync"/>,
    /// <see cref="TakeShardsAsync"/>).
    /// </summary>
    public async Task SubscribeAsync(CancellationToken cancellationToken = default)
    {
        if (_shards is null)
        {
            await _client.SubscribeAsync(MqttTopics.AudioSubscription, 0, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The service's own session persists across restarts: audio comes only through the shards' sessions.
        await _client.UnsubscribeAsync(MqttTopics.AudioSubscription, cancellationToken).ConfigureAwait(false);
        await _sessions!.TakeAsync(_shards.Owned, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The last frame sequence of devices taken over from another instance (their retained handover state): their
    /// streams here continue that sequence, so frames lost or repeated across the move are counted.
    /// </summary>
    public void Seed(IEnumerable<(string DeviceId, uint LastFrame)> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        foreach ((string id, uint last) in devices)
        {
            _seeds[id] = last;
        }
    }

    /// <summary>The last frame sequence this instance took from a device, or null.</summary>
    public uint? LastFrame(string deviceId) => _sources.TryGetValue(deviceId, out MqttGatewaySource? s) ? s.LastFrame : null;

    /// <summary>The devices streaming here whose shard is in <paramref name="shards"/>.</summary>
    public IReadOnlyList<string> StreamingOn(IReadOnlySet<int> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        return _shards is null ? [] : [.. _sources.Values.Where(s => !s.IsEnded && shards.Contains(ShardMap.ShardOf(s.DeviceId, _shards.Shards))).Select(s => s.DeviceId)];
    }

    /// <summary>
    /// Stops taking the lost shards' audio (their sessions released: no frame arrives after this) and ends their devices
    /// here (their new owner goes on with them); <paramref name="hold"/> runs between the two (the alert stage marks the
    /// devices handed over).
    /// </summary>
    public async Task ReleaseShardsAsync(IReadOnlySet<int> lost, Action? hold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lost);
        if (_shards is null)
        {
            return;
        }

        // First no more frames (the broker queues them in the shards' sessions for the next owner), then the end.
        await _sessions!.ReleaseAsync(lost).ConfigureAwait(false);
        foreach (string id in _seeds.Keys.Where(id => lost.Contains(ShardMap.ShardOf(id, _shards.Shards))).ToArray())
        {
            _seeds.TryRemove(id, out _);
        }

        hold?.Invoke();
        cancellationToken.ThrowIfCancellationRequested();
        foreach (MqttGatewaySource source in _sources.Values)
        {
            if (!source.IsEnded && lost.Contains(ShardMap.ShardOf(source.DeviceId, _shards.Shards)))
            {
                source.Complete();
            }
        }
    }

    /// <summary>Starts taking the gained shards' audio.</summary>
    public async Task TakeShardsAsync(IReadOnlySet<int> gained, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gained);
        if (_sessions is not null)
        {
            await _sessions.TakeAsync(gained, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the sessions of every held shard (no more audio arrives); the broker keeps them for the next owners.</summary>
    public async Task ReleaseSessionsAsync()
    {
        if (_sessions is not null)
        {
            await _sessions.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Metric label of a frame error, e.g. "bad_magic".</summary>
    public static string ReasonLabel(FrameError error) => error switch
    {
        FrameError.TooShort => "too_short",
        FrameError.BadMagic => "bad_magic",
        FrameError.UnsupportedVersion => "unsupported_version",
        FrameError.BadHeaderLength => "bad_header_length",
        FrameError.BadEncoding => "bad_encoding",
        FrameError.BadChannelCount => "bad_channel_count",
        FrameError.AbsurdSampleRate => "absurd_sample_rate",
        FrameError.Oversize => "oversize",
        FrameError.LengthMismatch => "length_mismatch",
        FrameError.NonFiniteSample => "non_finite_sample",
        _ => "unknown",
    };

    /// <summary>Stops taking frames and ends every device's stream normally (their queued audio is still analysed).</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _client.MessageReceived -= OnMessage;

        _idleTimer?.Dispose();
        foreach (MqttGatewaySource source in _sources.Values)
        {
            source.Complete();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void OnMessage(object? sender, MqttMessageEventArgs e)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        if (!TryGetDevice(e.Topic, out string? deviceId, out string? wrong) || deviceId is null)
        {
            if (wrong is not null)
            {
                Reject(deviceId ?? "?", wrong, null, failDevice: false);
            }

            return; // acks and other topics on the shared client are not ours
        }

        Interlocked.Increment(ref _frames);
        ReadOnlySpan<byte> payload = e.Payload.Span;
        if (!AudioFrameCodec.TryParse(payload, out AudioFrameHeader header, out ReadOnlySpan<byte> samples, out FrameError error))
        {
            string reason = $"Device '{deviceId}' sent a malformed audio frame: {AudioFrameCodec.Describe(error)}";
            Reject(deviceId, ReasonLabel(error), reason, failDevice: true);
            return;
        }

        MqttGatewaySource? source = SourceFor(deviceId, out bool refused);
        if (source is null)
        {
            Reject(deviceId, refused ? "device_limit" : "device_restarting", null, failDevice: false);
            return;
        }

        if (_audioRateLimit > 0 && header.SampleRate > 0
            && !source.TryAdmitAudio((double)header.SampleCount / header.SampleRate, _audioRateLimit, _audioBurstSeconds))
        {
            Reject(deviceId, "rate_limit", null, failDevice: false);
            return;
        }

        FrameDisposition? disposition = source.Offer(header, samples, out string? streamError);
        switch (disposition)
        {
            case null:
                bool rateChange = streamError?.Contains("sample rate", StringComparison.Ordinal) == true;
                Reject(deviceId, rateChange ? "rate_change" : "non_finite_sample", streamError, failDevice: false);
                break;
            case FrameDisposition.Duplicate:
                Reject(deviceId, "duplicate", null, failDevice: false);
                break;
            case FrameDisposition.OutOfOrder:
                Reject(deviceId, "out_of_order", null, failDevice: false);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The device of an audio topic this router takes; false for other topics, with <paramref name="rejected"/> set
    /// for audio it must refuse: on a shard topic that is not the device's shard ("wrong_shard"). Sharded, audio comes
    /// only through the sessions of the shards held here, so every frame that arrives is this instance's to analyse
    /// (until the session is released, the broker gives the shard's frames to no one else).
    /// </summary>
    private bool TryGetDevice(string topic, out string? deviceId, out string? rejected)
    {
        rejected = null;
        if (_shards is null)
        {
            return MqttTopics.TryGetDeviceId(topic, "audio", out deviceId);
        }

        if (!MqttTopics.TryGetShardAudio(topic, out int shard, out deviceId) || deviceId is null)
        {
            return false;
        }

        if (ShardMap.ShardOf(deviceId, _shards.Shards) != shard)
        {
            rejected = "wrong_shard";
            return false;
        }

        return true;
    }

    private MqttGatewaySource? SourceFor(string deviceId, out bool refused)
    {
        refused = false;
        if (_sources.TryGetValue(deviceId, out MqttGatewaySource? source) && !source.IsEnded)
        {
            return source;
        }

        if (source is not null && !source.IsDisposed)
        {
            return null; // the pipeline still holds the failed stream; this frame is lost
        }

        if (!HasRoomForNewDevice(out int active)) // a new id, or one whose last stream the pipeline has let go
        {
            refused = true;
            long n = Interlocked.Increment(ref _refused);
            DeviceRefused?.Invoke(deviceId, active);
            if (n == 1 || n % 1000 == 0)
            {
                MqttServiceLog.GatewayDeviceRefused(_logger, deviceId, active, n);
            }

            return null;
        }

        var fresh = new MqttGatewaySource(deviceId, _queueFrames);
        bool takenOver = _seeds.TryRemove(deviceId, out uint lastFrame);
        if (takenOver)
        {
            fresh.Seed(lastFrame);
        }

        _sources[deviceId] = fresh;
        try
        {
            _pipeline.AddDevice(fresh);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            fresh.Complete();
            _sources.TryRemove(new KeyValuePair<string, MqttGatewaySource>(deviceId, fresh));
            return null;
        }

        MqttServiceLog.GatewayDeviceJoined(_logger, deviceId, 0);
        if (takenOver)
        {
            DeviceTakenOver?.Invoke(deviceId);
        }

        return fresh;
    }

    private void EndIdleDevices()
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        long limit = Environment.TickCount64 - (_idleSeconds * 1000L);
        foreach (MqttGatewaySource source in _sources.Values)
        {
            if (!source.IsEnded && source.LastFrameTicks < limit)
            {
                source.Complete();
                Interlocked.Increment(ref _idleEnded);
                MqttServiceLog.GatewayDeviceIdle(_logger, source.DeviceId, _idleSeconds);
            }
        }
    }

    /// <summary>
    /// Whether one more device may join. When the table is full it first forgets devices whose streams the pipeline
    /// has let go, but at most once a second: a flood of new ids must not scan the whole table for every frame.
    /// </summary>
    private bool HasRoomForNewDevice(out int active)
    {
        active = _sources.Count;
        if (active < _maxDevices)
        {
            return true;
        }

        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastPruneTicks) >= 1000)
        {
            Interlocked.Exchange(ref _lastPruneTicks, now);
            foreach (KeyValuePair<string, MqttGatewaySource> entry in _sources)
            {
                if (entry.Value.IsDisposed)
                {
                    _sources.TryRemove(entry);
                }
            }

            active = _sources.Count;
        }

        return active < _maxDevices;
    }

    private void Reject(string deviceId, string label, string? reason, bool failDevice)
    {
        _rejected.AddOrUpdate(label, 1, static (_, n) => n + 1);
        HeartStreamMetrics.AddRejectedFrame(label);
        if (!failDevice || reason is null)
        {
            return;
        }

        // The device reports status error with the reason. A device never seen before gets a stream that fails at
        // once, so its error is visible too; one already failed only counts further bad frames until a valid one.
        MqttGatewaySource? source = _sources.TryGetValue(deviceId, out MqttGatewaySource? s) ? s : null;
        if (source is { IsEnded: false })
        {
            source.Fail(reason);
            MqttServiceLog.GatewayDeviceFailed(_logger, deviceId, reason);
        }
        else if (source is null)
        {
            MqttGatewaySource? fresh = SourceFor(deviceId, out _);
            if (fresh is not null)
            {
                fresh.Fail(reason);
                MqttServiceLog.GatewayDeviceFailed(_logger, deviceId, reason);
            }
        }
    }
}
