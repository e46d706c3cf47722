namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// The heart sounds that became final in one window (about one second) of a device, on .../{id}/beats. Batched
/// because one message per sound would be ~2-5 messages/s per device for little benefit.
/// </summary>
public sealed record BeatsPayload(
    int SchemaVersion,
    string DeviceId,
    double WindowStartSeconds,
    double WindowEndSeconds,
    IReadOnlyList<BeatPayload> Beats);
