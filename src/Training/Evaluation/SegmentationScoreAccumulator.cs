using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// Pools segmentation counts over recordings (micro-average: sums of matched/references/detections, then ratios),
/// so long recordings weigh more than short ones, as the literature's Se/PPV figures do.
/// </summary>
public sealed class SegmentationScoreAccumulator
{
    public int Recordings { get; private set; }

    public SoundScores Total { get; private set; }

    public void Add(SoundScores scores)
    {
        Recordings++;
        Total += scores;
    }

    /// <summary>Scores one recording, adds it to the pool and returns its own scores.</summary>
    public SoundScores Add(IReadOnlyList<HeartSound> reference, IReadOnlyList<HeartSound> detected, double toleranceSeconds, AnnotatedSpan? span = null)
    {
        SoundScores scores = SegmentationScorer.Score(reference, detected, toleranceSeconds, span);
        Add(scores);
        return scores;
    }
}
