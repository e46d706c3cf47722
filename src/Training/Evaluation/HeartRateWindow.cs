namespace HeartStream.Training.Evaluation;

/// <summary>
/// Heart rate of one analysis window: the reference and the detected rate in beats per minute. DetectedBpm is null
/// when the detector gave no rate for the window (fewer than two detected S1s); such a window counts as an error of
/// the whole reference rate (see <see cref="HeartRateError"/>).
/// </summary>
public readonly record struct HeartRateWindow(double StartSeconds, double EndSeconds, double ReferenceBpm, double? DetectedBpm)
{
    public double AbsoluteErrorBpm => DetectedBpm is double detected ? Math.Abs(detected - ReferenceBpm) : ReferenceBpm;
}
