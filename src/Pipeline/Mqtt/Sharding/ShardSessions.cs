using System.Collections.Concurrent;
using HeartStream.Pipeline.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Sharding;

/// <summary>
/// The shards this instance holds, each as its own persistent MQTT session: client id <c>hs-shard-{s}</c>, clean start
/// off, session expiry <see cref="MqttClientOptions.ShardSessionExpirySeconds"/>, one QoS 1 subscription to the shard's
/// audio. The broker's client-id takeover is the lock (at most one connection holds a shard), and whoever connects next
/// inherits the frames the broker queued for the shard while nobody held it (after a crash, a hang or a planned move),
/// in order. A shard's connection never reconnects by itself: when it ends unasked (taken over by the shard's new owner,
/// or the broker went away) <see cref="SessionLost"/> says so and the service decides.
/// </summary>
public sealed class ShardSessions : IAsyncDisposable
{
    private readonly MqttClientOptions _configured;
    private readonly EventHandler<MqttMessageEventArgs> _onMessage;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, MqttConnection> _held = new();
    private int _disposed;

    /// <summary>Sessions of the shards use <paramref name="configured"/>'s broker, credentials, TLS and keep-alive.</summary>
    public ShardSessions(MqttClientOptions configured, EventHandler<MqttMessageEventArgs> onMessage, ILogger<ShardSessions>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(onMessage);
        _configured = configured;
        _onMessage = onMessage;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised (shard, reason) when a shard's connection ended without this instance asking; on MQTTnet's thread.</summary>
    public event Action<int, string>? SessionLost;

    /// <summary>The shards whose sessions this instance holds now.</summary>
    public IReadOnlyCollection<int> Held => [.. _held.Keys.Order()];

    /// <summary>The MQTT client id of a shard's session.</summary>
    public static string ClientId(int shard) => "hs-shard-" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Connects the shards' sessions (taking them over from whoever holds them) and subscribes to their audio (QoS 1);
    /// a shard already held is left alone. Throws <see cref="MqttConnectionException"/> when a connection fails; the
    /// shards connected before it stay held.
    /// </summary>
    public async Task TakeAsync(IEnumerable<int> shards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await Task.WhenAll(shards.Where(s => !_held.ContainsKey(s)).Select(s => TakeOneAsync(s, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Disconnects the shards' sessions cleanly: the broker keeps each session (its subscription, and the audio that
    /// arrives from now on) for the shard's next owner. When this returns, no more frames of these shards arrive here.
    /// </summary>
    public async Task ReleaseAsync(IEnumerable<int> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        await Task.WhenAll(shards.Select(async s =>
        {
            if (_held.TryRemove(s, out MqttConnection? connection))
            {
                await CloseAsync(connection).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Releases every held shard.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await ReleaseAsync([.. _held.Keys]).ConfigureAwait(false);
    }

    private async Task TakeOneAsync(int shard, CancellationToken cancellationToken)
    {
        var connection = new MqttConnection(new MqttClientOptions
        {
            Host = _configured.Host,
            Port = _configured.Port,
            ClientId = ClientId(shard),
            Username = _configured.Username,
            Password = _configured.Password,
            TlsCaFile = _configured.TlsCaFile,
            TlsCertFile = _configured.TlsCertFile,
            TlsKeyFile = _configured.TlsKeyFile,
            RequireTls = _configured.RequireTls,
            ProtocolVersion = _configured.ProtocolVersion,
            KeepAliveSeconds = _configured.KeepAliveSeconds,
            CleanStart = false,
            SessionExpirySeconds = _configured.ShardSessionExpirySeconds,
            ConnectTimeout = _configured.ConnectTimeout,
            MaxQueuedMessages = 16,
            AutoReconnect = false,
        });
        connection.MessageReceived += _onMessage;
        connection.Disconnected += (_, e) =>
        {
            if (e.ReasonCode != 0 && _held.TryRemove(new KeyValuePair<int, MqttConnection>(shard, connection)))
            {
                MqttServiceLog.ShardSessionLost(_logger, shard, e.Reason);
                _ = CloseAsync(connection);
                SessionLost?.Invoke(shard, e.Reason);
            }
        };
        try
        {
            await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await connection.SubscribeAsync(MqttTopics.ShardAudioSubscription(shard), 1, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CloseAsync(connection).ConfigureAwait(false);
            throw;
        }

        if (!_held.TryAdd(shard, connection) || Volatile.Read(ref _disposed) != 0)
        {
            _held.TryRemove(new KeyValuePair<int, MqttConnection>(shard, connection));
            await CloseAsync(connection).ConfigureAwait(false);
        }
    }

    private async Task CloseAsync(MqttConnection connection)
    {
        // Disconnect first, then stop listening: a frame the client receives (and acknowledges) while it disconnects
        // is still analysed here; detaching first lost it (acknowledged to the broker, seen by nobody).
        await connection.DisposeAsync().ConfigureAwait(false);
        connection.MessageReceived -= _onMessage;
    }
}
