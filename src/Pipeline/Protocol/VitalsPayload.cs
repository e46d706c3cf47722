namespace HeartStream.Pipeline.Protocol;

/// <summary>Latest vitals of a device, retained on .../{id}/vitals; nulls mean "not enough beats yet".</summary>
public sealed record VitalsPayload(
    int SchemaVersion,
    string DeviceId,
    double StreamTimeSeconds,
    double? HeartRateBpm,
    double? IntervalIrregularity,
    double SignalQuality,
    int BeatsInWindow);
