namespace HeartStream.Pipeline.Protocol;

/// <summary>Wire form of <see cref="Alerts.AlertEvidence"/>.</summary>
public sealed record AlertEvidencePayload(
    double? HeartRateBpm,
    double? IntervalIrregularity,
    double? SignalQuality,
    int? BeatsInWindow,
    string? ProbabilityClass,
    double? Probability,
    string? DeviceStatus,
    double? LastDataSeconds);
