namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// One alert lifecycle step on .../{id}/alerts (QoS 1, not retained). Type, priority, category and state are
/// lower-case wire names (see docs/mqtt.md) so consumers do not depend on .NET enum spelling.
/// </summary>
public sealed record AlertPayload(
    int SchemaVersion,
    string AlertId,
    string DeviceId,
    string Type,
    string Priority,
    string Category,
    string State,
    double StreamTimeSeconds,
    double OnsetSeconds,
    double RaisedSeconds,
    double? ClearedSeconds,
    bool Acknowledged,
    string Message,
    AlertEvidencePayload Evidence);
