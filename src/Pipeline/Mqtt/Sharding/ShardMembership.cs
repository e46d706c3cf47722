using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Sharding;

/// <summary>
/// Which shards this instance owns, from the instances the broker says are live. Membership is the retained
/// service-status topic every instance already has (heartstream/v1/service/{instance}/status): "online" when it
/// connects, "offline" when it stops and, as its MQTT last will, when it dies or hangs past its keep-alive. So no
/// coordinator and no topic of our own: any MQTT broker (cluster) that keeps retained messages and fires wills will do.
/// A change is applied after <see cref="SettleDelay"/> without further changes, so an instance restarting or a burst of
/// joins moves shards once; every instance computes the same owners (<see cref="ShardMap"/>).
/// </summary>
public sealed class ShardMembership : IDisposable
{
    private readonly MqttConnection _client;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly object _applyGate = new();
    private readonly SortedSet<string> _online = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<int>> _heldBy = new(StringComparer.Ordinal);
    private readonly Timer _settle;
    private IReadOnlySet<int> _owned = new SortedSet<int>();
    private bool[] _owns = [];
    private bool _started;
    private bool _disposed;
    private volatile bool _fenced;

    public ShardMembership(MqttConnection client, string instance, int shards, TimeSpan settleDelay, ILogger<ShardMembership>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(instance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfLessThan(settleDelay, TimeSpan.Zero);
        _client = client;
        Instance = instance;
        Shards = shards;
        SettleDelay = settleDelay;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _online.Add(instance);
        _settle = new Timer(_ => Apply(), null, Timeout.Infinite, Timeout.Infinite);
        _client.MessageReceived += OnMessage;
        _client.Disconnected += OnDisconnected;
        _client.Connected += OnConnected;
    }

    /// <summary>
    /// True from a lost broker connection until ownership is decided again after the reconnect: the instance owns no
    /// shard and publishes nothing about devices (another instance may own them by now; a frozen process that wakes up
    /// must not speak for them).
    /// </summary>
    public bool IsFenced => _fenced;

    /// <summary>Raised (shards given up) when the broker connection was lost and every owned shard given up; before <see cref="OwnershipChanged"/>.</summary>
    public event Action<IReadOnlySet<int>>? Fenced;

    /// <summary>This instance's name (its MQTT client id and status topic level).</summary>
    public string Instance { get; }

    /// <summary>The fixed shard count.</summary>
    public int Shards { get; }

    /// <summary>Quiet time after a membership change before shards move.</summary>
    public TimeSpan SettleDelay { get; }

    /// <summary>The shards this instance owns now (empty until <see cref="StartAsync"/> has settled).</summary>
    public IReadOnlySet<int> Owned => Volatile.Read(ref _owned);

    /// <summary>Whether this instance owns <paramref name="shard"/> now (per frame: one array read).</summary>
    public bool Owns(int shard)
    {
        bool[] owns = Volatile.Read(ref _owns);
        return (uint)shard < (uint)owns.Length && owns[shard];
    }

    /// <summary>The live instances this one knows of (itself included).</summary>
    public IReadOnlyList<string> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _online];
            }
        }
    }

    /// <summary>Total shards gained plus lost by this instance since it started.</summary>
    public long Moves { get; private set; }

    /// <summary>Raised (gained, lost) after the owned set changed; on a timer thread.</summary>
    public event Action<IReadOnlySet<int>, IReadOnlySet<int>>? OwnershipChanged;

    /// <summary>
    /// Subscribes to every instance's status, waits <see cref="SettleDelay"/> for the retained ones (the broker sends
    /// them right after the subscription), and takes the shards this instance then owns.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _client.SubscribeAsync(MqttTopics.ServiceStatusSubscription, 1, cancellationToken).ConfigureAwait(false);
        await Task.Delay(SettleDelay, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _started = true;
        }

        Apply();
    }

    /// <summary>
    /// Waits until no other live instance lists any of <paramref name="shards"/> as held (a planned move: the previous
    /// owner releases them and writes their devices' state first; a dead one's will removes its list at once), at most
    /// <paramref name="limit"/>; shards still held elsewhere then are logged (and taken anyway: the session takeover
    /// ends the other holder's connection).
    /// </summary>
    public async Task WaitReleasedAsync(IReadOnlySet<int> shards, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            int[] still;
            lock (_gate)
            {
                still = [.. shards.Where(s => _heldBy.Values.Any(h => h.Contains(s)))];
            }

            if (still.Length == 0)
            {
                return;
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) >= limit)
            {
                MqttServiceLog.ShardsStillHeld(_logger, string.Join(',', still), limit.TotalSeconds);
                return;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _client.MessageReceived -= OnMessage;
        _client.Disconnected -= OnDisconnected;
        _client.Connected -= OnConnected;
        _settle.Dispose();
        HeartStreamMetrics.SetShardsOwned(0);
    }

    private void OnMessage(object? sender, MqttMessageEventArgs e)
    {
        if (!MqttTopics.TryGetServiceInstance(e.Topic, out string? instance) || instance is null || instance == Instance)
        {
            return;
        }

        bool online;
        ServiceStatusPayload? status;
        try
        {
            status = e.Payload.IsEmpty ? null : System.Text.Json.JsonSerializer.Deserialize(e.Payload.Span, ProtocolJsonContext.Default.ServiceStatusPayload);
            online = status?.Status == "online";
        }
        catch (System.Text.Json.JsonException ex)
        {
            MqttServiceLog.ShardStatusMalformed(_logger, instance, ex.Message);
            return;
        }

        lock (_gate)
        {
            if (online && status!.HeldShards is { } held)
            {
                _heldBy[instance] = held;
            }
            else
            {
                _heldBy.Remove(instance);
            }

            bool changed = online ? _online.Add(instance) : _online.Remove(instance);
            if (changed && _started && !_disposed)
            {
                _settle.Change(SettleDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnDisconnected(object? sender, MqttConnectionEventArgs e)
    {
        if (e.ReasonCode == 0)
        {
            return; // we asked for it (stopping)
        }

        IReadOnlySet<int> lost;
        lock (_applyGate)
        {
            lock (_gate)
            {
                if (!_started || _disposed)
                {
                    return;
                }

                _fenced = true;
                _settle.Change(Timeout.Infinite, Timeout.Infinite);
            }

            lost = Volatile.Read(ref _owned);
            Volatile.Write(ref _owns, []);
            Volatile.Write(ref _owned, new SortedSet<int>());
            if (lost.Count == 0)
            {
                return;
            }

            Moves += lost.Count;
            HeartStreamMetrics.SetShardsOwned(0);
            HeartStreamMetrics.AddShardMoves(lost.Count);
        }

        Fenced?.Invoke(lost);
        OwnershipChanged?.Invoke(new SortedSet<int>(), lost);
    }

    private void OnConnected(object? sender, MqttConnectionEventArgs e)
    {
        lock (_gate)
        {
            if (_started && !_disposed && _fenced)
            {
                // Decide again once the statuses the broker kept or queued for us have arrived.
                _settle.Change(SettleDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Apply()
    {
        lock (_applyGate)
        {
            ApplyLocked();
        }
    }

    private void ApplyLocked()
    {
        string[] members;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            members = [.. _online];
        }

        if (_fenced && !_client.IsConnected)
        {
            return; // still away: decided at the reconnect
        }

        _fenced = false;
        IReadOnlySet<int> owned = ShardMap.OwnedBy(Instance, members, Shards);
        IReadOnlySet<int> previous = Volatile.Read(ref _owned);
        var gained = new SortedSet<int>(owned.Except(previous));
        var lost = new SortedSet<int>(previous.Except(owned));
        if (gained.Count == 0 && lost.Count == 0)
        {
            return;
        }

        bool[] owns = new bool[Shards];
        foreach (int shard in owned)
        {
            owns[shard] = true;
        }

        Volatile.Write(ref _owns, owns);
        Volatile.Write(ref _owned, owned);
        Moves += gained.Count + lost.Count;
        HeartStreamMetrics.SetShardsOwned(owned.Count);
        HeartStreamMetrics.AddShardMoves(gained.Count + lost.Count);
        MqttServiceLog.ShardsMoved(_logger, Instance, owned.Count, Shards, gained.Count, lost.Count, members.Length);
        OwnershipChanged?.Invoke(gained, lost);
    }
}
