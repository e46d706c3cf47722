using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// Scores detected S1/S2 sounds against reference sounds with the usual tolerance rule: a detected S1 (S2) is a hit
/// when its centre lies within the tolerance of the centre of a not-yet-matched reference S1 (S2).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Inclusive: |detected centre − reference centre| ≤ tolerance (plus 1 ns of slack so that a value exactly at
/// the edge is not lost to floating-point rounding, e.g. 1.1 − 1.0 &gt; 0.1 in binary).</item>
/// <item>One-to-one: each reference matches at most one detection and vice versa; a double detection of one sound
/// counts once and its twin is a false positive. The matching is a maximum matching, computed greedily in time order
/// (each reference, earliest first, takes the earliest unmatched detection inside its window). Because every window
/// has the same width this greedy is optimal: no other one-to-one pairing has more hits.</item>
/// <item>Types never cross: an S2 detected where the reference has an S1 is a miss plus a false positive.</item>
/// <item>With an <see cref="AnnotatedSpan"/>, detections and references whose centre is outside it are ignored, so
/// sounds found in CirCor's unannotated edges are not counted as false positives.</item>
/// </list>
/// </remarks>
public static class SegmentationScorer
{
    /// <summary>Slack added to the tolerance so an exactly-at-the-edge pair survives rounding.</summary>
    public const double EdgeEpsilonSeconds = 1e-9;

    public static SoundScores Score(
        IReadOnlyList<HeartSound> reference,
        IReadOnlyList<HeartSound> detected,
        double toleranceSeconds,
        AnnotatedSpan? span = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(detected);
        if (!double.IsFinite(toleranceSeconds) || toleranceSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(toleranceSeconds), toleranceSeconds, "Tolerance must be a finite, non-negative number of seconds.");
        }

        return new SoundScores(
            Match(Centres(reference, SoundType.S1, span, nameof(reference)), Centres(detected, SoundType.S1, span, nameof(detected)), toleranceSeconds),
            Match(Centres(reference, SoundType.S2, span, nameof(reference)), Centres(detected, SoundType.S2, span, nameof(detected)), toleranceSeconds));
    }

    private static MatchCounts Match(double[] references, double[] detections, double tolerance)
    {
        double window = tolerance + EdgeEpsilonSeconds;
        int matched = 0;
        int next = 0; // first detection not yet matched or skipped
        foreach (double r in references)
        {
            // Detections too early for this reference are too early for every later one as well.
            while (next < detections.Length && detections[next] < r - window)
            {
                next++;
            }

            if (next < detections.Length && detections[next] <= r + window)
            {
                matched++;
                next++;
            }
        }

        return new MatchCounts(matched, references.Length, detections.Length);
    }

    private static double[] Centres(IReadOnlyList<HeartSound> sounds, SoundType type, AnnotatedSpan? span, string paramName)
    {
        var centres = new List<double>(sounds.Count);
        foreach (HeartSound sound in sounds)
        {
            double c = sound.CentreSeconds;
            if (!double.IsFinite(c))
            {
                throw new ArgumentException($"A {sound.Type} sound has a non-finite time ({sound.StartSeconds}..{sound.EndSeconds} s).", paramName);
            }

            if (sound.Type == type && (span is null || span.Value.Contains(c)))
            {
                centres.Add(c);
            }
        }

        double[] result = [.. centres];
        Array.Sort(result);
        return result;
    }
}
