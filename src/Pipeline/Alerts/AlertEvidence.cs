using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// What the engine saw when it emitted an alert event: the latest values of the device, so a clinician can judge
/// the alert without replaying the stream. Null means "not known" (e.g. no heart rate yet).
/// </summary>
/// <param name="HeartRateBpm">Latest heart rate.</param>
/// <param name="IntervalIrregularity">Latest coefficient of variation of S1-S1 intervals.</param>
/// <param name="SignalQuality">Latest signal quality 0..1.</param>
/// <param name="BeatsInWindow">S1 count in the latest vitals window.</param>
/// <param name="ProbabilityClass">The classifier class this alert is about ("murmur", ...), if any.</param>
/// <param name="Probability">Latest probability of <paramref name="ProbabilityClass"/>.</param>
/// <param name="DeviceStatus">Latest device status.</param>
/// <param name="LastDataSeconds">Stream time of the latest data (vitals, beat or classification) from the device.</param>
public sealed record AlertEvidence(
    double? HeartRateBpm,
    double? IntervalIrregularity,
    double? SignalQuality,
    int? BeatsInWindow,
    string? ProbabilityClass,
    double? Probability,
    DeviceStatus? DeviceStatus,
    double? LastDataSeconds);
