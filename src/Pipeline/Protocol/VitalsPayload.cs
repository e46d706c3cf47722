namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Latest vitals of a device, retained on .../{id}/vitals; nulls mean "not enough beats yet". <see cref="Handover"/> is
/// true (and present only then) while the device's analysis history is being rebuilt after its shard moved to this
/// instance: the first <c>10 s</c> of its stream here, whose figures rest on less history than usual.
/// </summary>
public sealed record VitalsPayload(
    int SchemaVersion,
    string DeviceId,
    double StreamTimeSeconds,
    double? HeartRateBpm,
    double? IntervalIrregularity,
    double SignalQuality,
    int BeatsInWindow)
{
    /// <summary>True during the first seconds after a shard move (see the type's summary); omitted otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Handover { get; init; }
}
