namespace HeartStream.Pipeline.Events;

/// <summary>
/// Vitals over the last few seconds, emitted about once per second per device.
/// </summary>
/// <param name="HeartRateBpm">From recent S1-to-S1 intervals; null when fewer than 3 recent S1s.</param>
/// <param name="IntervalIrregularity">Coefficient of variation of recent S1-to-S1 intervals (0 = perfectly regular); null like the rate.</param>
/// <param name="SignalQuality">0 (unusable) .. 1 (clean), from the segmenter's confidence and the signal level.</param>
/// <param name="BeatsInWindow">S1 sounds in the vitals window.</param>
public sealed record VitalsEvent(
    string DeviceId,
    double StreamTimeSeconds,
    double? HeartRateBpm,
    double? IntervalIrregularity,
    double SignalQuality,
    int BeatsInWindow)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
