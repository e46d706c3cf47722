namespace HeartStream.Pipeline.Mqtt;

/// <summary>
/// Settings of one <see cref="MqttConnection"/>; bound from configuration section <see cref="SectionName"/> and
/// checked by <see cref="Validate"/> before anything native is created, so a bad setting fails with its name.
/// </summary>
public sealed class MqttClientOptions
{
    public const string SectionName = "Mqtt";

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Client identifier; null lets the client make a random one (allowed only with <see cref="CleanStart"/>).</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate; setting it turns TLS on.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>Client certificate (PEM) for mutual TLS; needs <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>Unencrypted private key (PEM) of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>
    /// Whether the connection must use TLS (<see cref="TlsCaFile"/> set): null (the default) requires it whenever
    /// <see cref="Host"/> is not a loopback address (localhost, 127.0.0.0/8, ::1), so credentials, audio and alerts never
    /// cross a network in clear text unless an operator says so with false; true requires it on loopback too.
    /// </summary>
    public bool? RequireTls { get; set; }

    /// <summary>Whether <see cref="RequireTls"/> (or its default for <see cref="Host"/>) requires TLS.</summary>
    public bool TlsRequired => RequireTls ?? !IsLoopback(Host);

    /// <summary>localhost, an address in 127.0.0.0/8 or ::1 (names other than localhost are not resolved).</summary>
    public static bool IsLoopback(string? host) =>
        host is not null
        && (string.Equals(host.Trim(), "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim().Trim('[', ']'), out System.Net.IPAddress? address) && System.Net.IPAddress.IsLoopback(address)));

    /// <summary>MQTT protocol: 5 (MQTT 5, the default) or 4 (MQTT 3.1.1, e.g. for NATS' MQTT listener; no session expiry).</summary>
    public int ProtocolVersion { get; set; } = 5;

    /// <summary>Keep-alive in seconds: 5 or more (0 disables it).</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>False resumes the broker-side session (subscriptions and queued QoS&gt;0 messages) of the same client id.</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>How long the broker keeps the session after we disconnect; 0 ends it at disconnect. Needs CleanStart=false to be useful.</summary>
    public uint SessionExpirySeconds { get; set; }

    public MqttWill? Will { get; set; }

    /// <summary>
    /// Shard count for scale-out (docs/architecture.md): 0 (the default) takes every device's audio on
    /// heartstream/v1/devices/{id}/audio; above 0 gateways publish on heartstream/v1/shards/{shard}/devices/{id}/audio
    /// and each shard is analysed by one of the live instances. Every instance and gateway must use the same count.
    /// </summary>
    public int Shards { get; set; }

    /// <summary>Quiet time after instances join or leave before shards move (and before the first claim at start), seconds.</summary>
    public double ShardSettleSeconds { get; set; } = 2;

    /// <summary>
    /// How long a new owner waits for a shard's previous (live) owner to release it and write its devices' state
    /// before taking it anyway, seconds; a dead owner does not hold a new owner up (its will clears its list).
    /// </summary>
    public double ShardHandoverSeconds { get; set; } = 5;

    /// <summary>
    /// Sharded: how often each streaming device's retained state (active alerts, last frame) is written besides on
    /// every alert change, seconds (0 = only on changes). A crashed instance's devices are then continued by their new
    /// owners knowing the frames it took to within this interval. One retained QoS 1 message per device per interval.
    /// </summary>
    public double ShardStateSeconds { get; set; } = 1;

    /// <summary>
    /// How long the broker keeps a shard's session (its subscription and queued QoS 1 audio) while no instance holds it,
    /// seconds: the longest failover that loses no queued frame. MQTT 5 only (MQTT 3.1.1 brokers keep it until reused).
    /// </summary>
    public uint ShardSessionExpirySeconds { get; set; } = 120;

    /// <summary>
    /// Whether a lost connection is repaired automatically (the default). Off for a shard's session connection: after
    /// another instance took that session over, reconnecting would take it back.
    /// </summary>
    internal bool AutoReconnect { get; set; } = true;

    /// <summary>How long <see cref="MqttConnection.ConnectAsync"/> waits for the broker's CONNACK.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most QoS&gt;0 messages waiting for a broker ack (in flight or queued while disconnected); beyond it publishing
    /// is refused instead of growing memory without bound. Must stay below 65535, the MQTT message-id space.
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("MqttClientOptions.Host must name the broker host.", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"MqttClientOptions.Port must be 1..65535, got {Port}.", nameof(Port));
        }

        if (ClientId is { Length: > 0 } id && (id.Contains('\0', StringComparison.Ordinal) || id.Length > 65535))
        {
            throw new ArgumentException("MqttClientOptions.ClientId must not contain NUL and must be shorter than 65536 characters.", nameof(ClientId));
        }

        if (!CleanStart && string.IsNullOrEmpty(ClientId))
        {
            throw new ArgumentException("MqttClientOptions.ClientId is required when CleanStart is false (a session is found by its client id).", nameof(ClientId));
        }

        if (Shards is < 0 or > 4096)
        {
            throw new ArgumentException($"MqttClientOptions.Shards must be 0 (off) to 4096, got {Shards}.", nameof(Shards));
        }

        if (!(ShardSettleSeconds is >= 0 and <= 60))
        {
            throw new ArgumentException($"MqttClientOptions.ShardSettleSeconds must lie in 0..60, got {ShardSettleSeconds}.", nameof(ShardSettleSeconds));
        }

        if (!(ShardHandoverSeconds is >= 0 and <= 60))
        {
            throw new ArgumentException($"MqttClientOptions.ShardHandoverSeconds must lie in 0..60, got {ShardHandoverSeconds}.", nameof(ShardHandoverSeconds));
        }

        if (!(ShardStateSeconds is >= 0 and <= 3600))
        {
            throw new ArgumentException($"MqttClientOptions.ShardStateSeconds must lie in 0..3600, got {ShardStateSeconds}.", nameof(ShardStateSeconds));
        }

        if (ProtocolVersion is not (4 or 5))
        {
            throw new ArgumentException($"MqttClientOptions.ProtocolVersion must be 5 (MQTT 5) or 4 (MQTT 3.1.1), got {ProtocolVersion}.", nameof(ProtocolVersion));
        }

        if (KeepAliveSeconds is not 0 and (< 5 or > 65535))
        {
            throw new ArgumentException($"MqttClientOptions.KeepAliveSeconds must be 0 or 5..65535, got {KeepAliveSeconds}.", nameof(KeepAliveSeconds));
        }

        if (Password is not null && Username is null)
        {
            throw new ArgumentException("MqttClientOptions.Password needs a Username.", nameof(Password));
        }

        if ((TlsCertFile is null) != (TlsKeyFile is null))
        {
            throw new ArgumentException("MqttClientOptions.TlsCertFile and TlsKeyFile must be set together.", nameof(TlsCertFile));
        }

        if ((TlsCertFile is not null || TlsKeyFile is not null) && TlsCaFile is null)
        {
            throw new ArgumentException("MqttClientOptions.TlsCaFile is required when a client certificate is set.", nameof(TlsCaFile));
        }

        if (TlsRequired && TlsCaFile is null)
        {
            throw new ArgumentException(
                RequireTls == true
                    ? "Mqtt:RequireTls is true but Mqtt:TlsCaFile is not set: name the PEM file of the CA that signed the broker's certificate."
                    : $"Mqtt:Host '{Host}' is not on loopback, so TLS is required (Mqtt:RequireTls): set Mqtt:TlsCaFile to the PEM file of the CA that signed the broker's certificate (docs/SECURITY.md), or Mqtt:RequireTls=false to send credentials, audio and alerts in clear text on a network you trust.",
                nameof(RequireTls));
        }

        foreach ((string name, string? file) in new[] { (nameof(TlsCaFile), TlsCaFile), (nameof(TlsCertFile), TlsCertFile), (nameof(TlsKeyFile), TlsKeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new ArgumentException($"MqttClientOptions.{name} '{file}' does not exist.", name);
            }
        }

        if (ReconnectDelayMin < TimeSpan.FromSeconds(1) || ReconnectDelayMax < ReconnectDelayMin || ReconnectDelayMax > TimeSpan.FromHours(1))
        {
            throw new ArgumentException(
                $"MqttClientOptions.ReconnectDelayMin/Max must satisfy 1 s <= min <= max <= 1 h, got {ReconnectDelayMin} and {ReconnectDelayMax}.",
                nameof(ReconnectDelayMin));
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"MqttClientOptions.ConnectTimeout must be within (0, 10 min], got {ConnectTimeout}.", nameof(ConnectTimeout));
        }

        if (MaxQueuedMessages is < 1 or > 65000)
        {
            throw new ArgumentException($"MqttClientOptions.MaxQueuedMessages must be 1..65000, got {MaxQueuedMessages}.", nameof(MaxQueuedMessages));
        }

        if (Will is { } will)
        {
            if (string.IsNullOrEmpty(will.Topic) || will.Topic.Contains('+', StringComparison.Ordinal) || will.Topic.Contains('#', StringComparison.Ordinal))
            {
                throw new ArgumentException($"MqttClientOptions.Will.Topic '{will.Topic}' must be a non-empty topic without wildcards.", nameof(Will));
            }

            if (will.Qos is < 0 or > 2)
            {
                throw new ArgumentException($"MqttClientOptions.Will.Qos must be 0, 1 or 2, got {will.Qos}.", nameof(Will));
            }
        }
    }
}
