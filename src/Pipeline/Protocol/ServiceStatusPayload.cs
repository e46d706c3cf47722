namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Status of one service instance, retained on heartstream/v1/service/{instance}/status. The same topic carries the
/// MQTT last will with status "offline", so a crashed instance is visible without a clean shutdown.
/// </summary>
public sealed record ServiceStatusPayload(
    int SchemaVersion,
    string Instance,
    string Status,
    string Version,
    DateTimeOffset? StartedUtc,
    int Devices);
