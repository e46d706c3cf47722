namespace HeartStream.Pipeline.Protocol;

/// <summary>Acknowledge command received on heartstream/v1/devices/{id}/alerts/ack.</summary>
public sealed record AlertAckPayload(int SchemaVersion, string AlertId, string? AcknowledgedBy);
