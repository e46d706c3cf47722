namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Status of one service instance, retained on heartstream/v1/service/{instance}/status. The same topic carries the
/// MQTT last will with status "offline", so a crashed instance is visible without a clean shutdown. Sharded, it lists
/// the shards whose sessions the instance holds (<c>held_shards</c>): a new owner takes a shard only once its previous
/// owner no longer lists it (its devices' last state written before), so a planned move continues every stream.
/// </summary>
public sealed record ServiceStatusPayload(
    int SchemaVersion,
    string Instance,
    string Status,
    string Version,
    DateTimeOffset? StartedUtc,
    int Devices,
    IReadOnlyList<int>? HeldShards = null);
