using System.Diagnostics;
using System.Threading.Channels;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// The alert stage: an <see cref="IEventSink"/> that feeds every pipeline event into one <see cref="AlertEngine"/> and
/// hands the resulting <see cref="AlertEvent"/>s, through a bounded channel of their own, to the alert sinks (MQTT,
/// console). The engine runs inside the dispatch call (cheap, no I/O); publishing runs on the stage's own task, so a
/// dead or slow broker never stalls detection. A full alert channel drops its oldest alert and counts it
/// (<see cref="DroppedAlerts"/>) instead of waiting; with the default capacity that needs thousands of unpublished alerts.
/// </summary>
/// <remarks>
/// A once-a-second timer advances each quiet device's stream time by the wall time since its last event
/// (<see cref="AlertEngine.Tick"/>), so a device that stops sending raises "device signal lost". Devices whose stream
/// ended (<see cref="DeviceStatus.Offline"/>) are removed, which clears their active alerts. Acknowledgements
/// (<see cref="Acknowledge"/>, from any thread) are serialised with the events by a lock.
/// </remarks>
public sealed class AlertStage : IEventSink, IAsyncDisposable
{
    private readonly AlertEngine _engine;
    private readonly IEventSink[] _sinks;
    private readonly Channel<Outgoing> _alerts;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (double StreamTime, long Timestamp)> _lastSeen = new(StringComparer.Ordinal);
    private readonly List<AlertEvent> _scratch = new(8);
    private readonly List<string> _changed = [];
    private readonly Dictionary<string, long> _restoredAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _handingOver = new(StringComparer.Ordinal);

    /// <summary>
    /// Above zero: every streaming device's state is also written this often (<see cref="StateChanged"/>), not only on
    /// alert changes, so a device's next owner after a crash knows its last frame to within this interval (sharded).
    /// </summary>
    public TimeSpan StateInterval { get; init; }

    private long _lastPeriodicState;

    /// <summary>A restored device that sends nothing for this long after the restore has its restored alerts cleared.</summary>
    public TimeSpan RestoreGrace { get; init; } = TimeSpan.FromSeconds(120);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _publisher;
    private readonly Task _ticker;
    private long _raised;
    private long _emitted;
    private long _dropped;
    private int _completed;

    /// <summary>Creates and starts the stage.</summary>
    /// <param name="engine">The engine (owned by this stage from now on; not thread-safe on its own).</param>
    /// <param name="sinks">Where alert events go, in order.</param>
    /// <param name="capacity">Alert events the channel holds before the oldest is dropped.</param>
    /// <param name="tickInterval">How often quiet devices are advanced; null = 1 s, <see cref="TimeSpan.Zero"/> = never (tests, fast replay).</param>
    public AlertStage(AlertEngine engine, IEnumerable<IEventSink> sinks, int capacity = 10_000, TimeSpan? tickInterval = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _engine = engine;
        _sinks = [.. sinks];
        _alerts = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref _dropped));
        _publisher = PublishAsync();
        TimeSpan tick = tickInterval ?? TimeSpan.FromSeconds(1);
        _ticker = tick > TimeSpan.Zero ? TickAsync(tick) : Task.CompletedTask;
    }

    /// <summary>Alerts raised (Raised steps) so far.</summary>
    public long RaisedCount => Interlocked.Read(ref _raised);

    /// <summary>Alert events (every step) handed to the alert channel so far.</summary>
    public long EmittedCount => Interlocked.Read(ref _emitted);

    /// <summary>Alert events dropped because the alert channel was full.</summary>
    public long DroppedAlerts => Interlocked.Read(ref _dropped);

    /// <summary>Raised for every alert event, on the pipeline's dispatch thread (demo display, tests).</summary>
    public event EventHandler<AlertEvent>? AlertEmitted;

    /// <summary>
    /// A device's alert state changed (an alert raised, cleared or acknowledged, or the device removed): the state to
    /// keep across a restart. Called on the stage's publishing task, after the alert events that changed it were
    /// handed to the sinks (so a state never reaches the broker before its alert); handlers must not block.
    /// </summary>
    public event Action<AlertStateSnapshot>? StateChanged;

    /// <summary>Gives the engine devices' alert state from before a restart (<see cref="AlertEngine.Restore"/>); call before their events.</summary>
    public void Restore(IEnumerable<AlertStateSnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        lock (_gate)
        {
            foreach (AlertStateSnapshot snapshot in snapshots)
            {
                _engine.Restore(snapshot);
                if (snapshot.Active.Count > 0)
                {
                    _restoredAt[snapshot.DeviceId] = Stopwatch.GetTimestamp();
                }
            }
        }
    }

    /// <summary>
    /// Marks devices another instance takes over (their shard moved, or this instance stops with sharding on): their
    /// events are still processed while their queued audio drains, but they are never ticked as quiet, and when their
    /// stream ends their alerts are released (<see cref="AlertEngine.Release"/>), not cleared, so the new owner goes on
    /// with the same alert ids from the retained state.
    /// </summary>
    public void HandOver(IEnumerable<string> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        lock (_gate)
        {
            foreach (string id in deviceIds)
            {
                _handingOver.Add(id);
                _lastSeen.Remove(id);
            }
        }
    }

    /// <summary>
    /// Hands over the devices for which <paramref name="match"/> holds that were restored but have not streamed here:
    /// released at once, so this instance never clears (expires) alerts another instance now owns.
    /// </summary>
    public void ReleasePending(Func<string, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            foreach (string id in _restoredAt.Keys.Where(match).ToArray())
            {
                _restoredAt.Remove(id);
                _engine.Release(id);
            }
        }
    }

    /// <summary>Hands over every device this stage knows (a sharded instance stopping).</summary>
    public void HandOverAll()
    {
        ReleasePending(_ => true);
        lock (_gate)
        {
            _handingOver.UnionWith(_lastSeen.Keys);
            _lastSeen.Clear();
        }
    }

    /// <summary>Devices handed over whose streams have not ended yet.</summary>
    public int HandingOverCount
    {
        get
        {
            lock (_gate)
            {
                return _handingOver.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        if (pipelineEvent is AlertEvent or WaveformEvent)
        {
            return ValueTask.CompletedTask; // a display envelope runs ahead of the finalized beats: not evidence
        }

        lock (_gate)
        {
            _scratch.Clear();
            _engine.Process(pipelineEvent, _scratch);
            bool removed = false;
            if (pipelineEvent is DeviceStatusEvent { Status: DeviceStatus.Offline } handedOver && _handingOver.Remove(handedOver.DeviceId))
            {
                // The state the next owner reads: the alerts still active (released here, not cleared), written after
                // the device's last events (and, sharded, with the last frame taken from it).
                NotifyState(handedOver.DeviceId);
                _engine.Release(handedOver.DeviceId);
                _restoredAt.Remove(handedOver.DeviceId);
                Emit(_scratch);
                return ValueTask.CompletedTask;
            }

            if (_handingOver.Contains(pipelineEvent.DeviceId))
            {
                Emit(_scratch);
                if (HasEpisodeChange(_scratch))
                {
                    NotifyState(pipelineEvent.DeviceId);
                }

                return ValueTask.CompletedTask;
            }

            if (pipelineEvent is DeviceStatusEvent { Status: DeviceStatus.Offline } offline)
            {
                removed = _engine.RemoveDevice(offline.DeviceId, offline.StreamTimeSeconds, _scratch) > 0;
                _lastSeen.Remove(offline.DeviceId);
            }
            else
            {
                _lastSeen[pipelineEvent.DeviceId] = (pipelineEvent.StreamTimeSeconds, Stopwatch.GetTimestamp());
            }

            _restoredAt.Remove(pipelineEvent.DeviceId);
            Emit(_scratch);
            if (removed || HasEpisodeChange(_scratch))
            {
                NotifyState(pipelineEvent.DeviceId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Acknowledges an active alert (from any thread); false when no active alert has that id.</summary>
    public bool Acknowledge(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        string? device;
        bool acknowledged;
        lock (_gate)
        {
            device = _engine.DeviceOfAlert(alertId);
            acknowledged = _engine.Acknowledge(alertId);
            if (acknowledged && device is not null)
            {
                NotifyState(device);
            }
        }

        HeartStreamMetrics.AddAcknowledgement(acknowledged ? "accepted" : "unknown");
        if (acknowledged && device is not null)
        {
            AlertAcknowledged?.Invoke(alertId, device);
        }

        return acknowledged;
    }

    /// <summary>Raised (alert id, device id) after an active alert was acknowledged (MQTT or web), outside the stage's lock.</summary>
    public event Action<string, string>? AlertAcknowledged;

    /// <summary>Whether the device has an active alert of that type.</summary>
    public bool IsActive(string deviceId, AlertType type)
    {
        lock (_gate)
        {
            return _engine.IsActive(deviceId, type);
        }
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _ticker.ConfigureAwait(false);
        _alerts.Writer.TryComplete();
        await _publisher.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (IEventSink sink in _sinks)
        {
            await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Emit(List<AlertEvent> alerts)
    {
        foreach (AlertEvent alert in alerts)
        {
            if (alert.State == AlertState.Raised)
            {
                Interlocked.Increment(ref _raised);
                HeartStreamMetrics.AddAlert(AlertTypeInfo.WireName(alert.Type), PriorityName(alert.Priority));
            }

            Interlocked.Increment(ref _emitted);
            AlertEmitted?.Invoke(this, alert);
            _alerts.Writer.TryWrite(new Outgoing(alert, null)); // never waits: a full channel drops its oldest and counts it
        }
    }

    /// <summary>Clears the restored alerts of devices that did not come back within <see cref="RestoreGrace"/> (under the lock).</summary>
    private void ExpireRestores()
    {
        if (_restoredAt.Count == 0)
        {
            return;
        }

        foreach ((string device, long at) in _restoredAt.ToArray())
        {
            if (Stopwatch.GetElapsedTime(at) >= RestoreGrace)
            {
                _restoredAt.Remove(device);
                string reason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the device did not come back within {RestoreGrace.TotalSeconds:0} s of the service's restart");
                if (_engine.ExpireRestore(device, reason, _scratch) > 0)
                {
                    _changed.Add(device);
                }
            }
        }
    }

    private static bool HasEpisodeChange(List<AlertEvent> alerts)
    {
        foreach (AlertEvent alert in alerts)
        {
            if (alert.State is AlertState.Raised or AlertState.Cleared)
            {
                return true;
            }
        }

        return false;
    }

    private void NotifyState(string deviceId)
    {
        if (StateChanged is not null && _engine.Snapshot(deviceId) is { } snapshot)
        {
            _alerts.Writer.TryWrite(new Outgoing(null, snapshot));
        }
    }

    private static string PriorityName(AlertPriority priority) => priority switch
    {
        AlertPriority.High => "high",
        AlertPriority.Medium => "medium",
        _ => "low",
    };

    private async Task PublishAsync()
    {
        await Task.Yield();
        await foreach (Outgoing item in _alerts.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.State is { } state)
            {
                StateChanged?.Invoke(state);
                continue;
            }

            foreach (IEventSink sink in _sinks)
            {
                await sink.WriteAsync(item.Alert!).ConfigureAwait(false);
            }
        }
    }

    private async Task TickAsync(TimeSpan interval)
    {
        using PeriodicTimer timer = new(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _scratch.Clear();
                    foreach ((string device, (double streamTime, long timestamp)) in _lastSeen)
                    {
                        int before = _scratch.Count;
                        if (_engine.Tick(device, streamTime + Stopwatch.GetElapsedTime(timestamp).TotalSeconds, _scratch) > 0
                            && HasEpisodeChange(_scratch.GetRange(before, _scratch.Count - before)))
                        {
                            _changed.Add(device);
                        }
                    }

                    ExpireRestores();
                    Emit(_scratch);
                    bool everyDevice = StateInterval > TimeSpan.Zero && Stopwatch.GetElapsedTime(_lastPeriodicState) >= StateInterval - (interval / 2);
                    if (everyDevice)
                    {
                        _lastPeriodicState = Stopwatch.GetTimestamp();
                        foreach (string device in _lastSeen.Keys)
                        {
                            NotifyState(device);
                        }
                    }

                    foreach (string device in _changed)
                    {
                        if (!everyDevice || !_lastSeen.ContainsKey(device))
                        {
                            NotifyState(device);
                        }
                    }

                    _changed.Clear();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private readonly record struct Outgoing(AlertEvent? Alert, AlertStateSnapshot? State);
}
