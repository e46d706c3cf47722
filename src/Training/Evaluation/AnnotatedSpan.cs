namespace HeartStream.Training.Evaluation;

/// <summary>
/// The part of a recording that has reference annotation, in seconds (inclusive at both ends). CirCor's segmentations
/// leave the start and end of most recordings unannotated (state 0), so scoring detections there would count real
/// sounds as false positives.
/// </summary>
public readonly record struct AnnotatedSpan
{
    public AnnotatedSpan(double startSeconds, double endSeconds)
    {
        if (!double.IsFinite(startSeconds) || !double.IsFinite(endSeconds) || endSeconds < startSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(endSeconds), $"Annotated span [{startSeconds}, {endSeconds}] must be finite with start <= end.");
        }

        StartSeconds = startSeconds;
        EndSeconds = endSeconds;
    }

    public double StartSeconds { get; }

    public double EndSeconds { get; }

    public double DurationSeconds => EndSeconds - StartSeconds;

    public bool Contains(double seconds) => seconds >= StartSeconds && seconds <= EndSeconds;
}
