namespace HeartStream.Pipeline.Protocol;

/// <summary>Status of a device stream, retained on .../{id}/status: "online", "no-signal", "error" or "offline".</summary>
public sealed record DeviceStatusPayload(
    int SchemaVersion,
    string DeviceId,
    string Status,
    double StreamTimeSeconds,
    string? Reason);
