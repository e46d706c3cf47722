namespace HeartStream.Training.Evaluation;

/// <summary>
/// Counts of one matching between reference and detected sounds, and the scores derived from them. Counts, not ratios,
/// are what pools correctly over recordings, so they are kept and the ratios computed on demand.
/// </summary>
/// <remarks>
/// Matching is one-to-one, so <see cref="Matched"/> is both the matched references and the matched detections.
/// A ratio with a zero denominator is 0 (not NaN) so it always serialises to JSON; the counts tell the cases apart.
/// </remarks>
public readonly record struct MatchCounts(int Matched, int References, int Detections)
{
    /// <summary>Sensitivity: matched references / references (0 when there are no references).</summary>
    public double Sensitivity => References == 0 ? 0 : (double)Matched / References;

    /// <summary>Positive predictive value: matched detections / detections (0 when there are no detections).</summary>
    public double PositivePredictiveValue => Detections == 0 ? 0 : (double)Matched / Detections;

    /// <summary>F1 = 2·Se·PPV/(Se+PPV) = 2·matched/(references + detections) (0 when both are 0).</summary>
    public double F1 => References + Detections == 0 ? 0 : 2.0 * Matched / (References + Detections);

    public static MatchCounts operator +(MatchCounts left, MatchCounts right) =>
        new(left.Matched + right.Matched, left.References + right.References, left.Detections + right.Detections);

    public static MatchCounts Add(MatchCounts left, MatchCounts right) => left + right;
}
