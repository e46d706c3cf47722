using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Tests.Evaluation;

public sealed class SegmentationScorerTests
{
    private const double Tolerance = 0.1;

    [Fact]
    public void Score_PerfectDetections_AllOnes()
    {
        List<HeartSound> reference = Beats(5);

        SoundScores scores = SegmentationScorer.Score(reference, reference, Tolerance);

        Assert.Equal(new MatchCounts(5, 5, 5), scores.S1);
        Assert.Equal(new MatchCounts(5, 5, 5), scores.S2);
        Assert.Equal((1.0, 1.0, 1.0), (scores.Both.Sensitivity, scores.Both.PositivePredictiveValue, scores.Both.F1));
    }

    [Fact]
    public void Score_DoubleDetection_CountsOnceAndPpvDrops()
    {
        HeartSound[] reference = [S1(1.0)];
        HeartSound[] detected = [S1(0.98), S1(1.03)];

        SoundScores scores = SegmentationScorer.Score(reference, detected, Tolerance);

        Assert.Equal(new MatchCounts(1, 1, 2), scores.S1);
        Assert.Equal(1.0, scores.S1.Sensitivity);
        Assert.Equal(0.5, scores.S1.PositivePredictiveValue);
        Assert.Equal(2.0 / 3.0, scores.S1.F1, 12);
    }

    [Fact]
    public void Score_WrongType_NoHit()
    {
        HeartSound[] reference = [S1(1.0)];
        HeartSound[] detected = [S2(1.0)];

        SoundScores scores = SegmentationScorer.Score(reference, detected, Tolerance);

        Assert.Equal(new MatchCounts(0, 1, 0), scores.S1);
        Assert.Equal(new MatchCounts(0, 0, 1), scores.S2);
        Assert.Equal(new MatchCounts(0, 1, 1), scores.Both);
    }

    [Theory]
    [InlineData(1.1, 1)] // exactly at the edge: inclusive
    [InlineData(0.9, 1)]
    [InlineData(1.1001, 0)] // just outside
    [InlineData(0.8999, 0)]
    public void Score_AtToleranceEdge_InclusiveBoundary(double detectedCentre, int expectedMatches)
    {
        SoundScores scores = SegmentationScorer.Score([S1(1.0)], [S1(detectedCentre)], Tolerance);

        Assert.Equal(expectedMatches, scores.S1.Matched);
    }

    [Fact]
    public void Score_UsesCentresNotOnsets()
    {
        // Reference centre 1.05, detection centre 1.20: onsets are 0.05 apart, centres 0.15 (outside 0.1).
        SoundScores scores = SegmentationScorer.Score([new HeartSound(SoundType.S1, 1.0, 1.1)], [new HeartSound(SoundType.S1, 1.05, 1.35)], Tolerance);

        Assert.Equal(0, scores.S1.Matched);
    }

    [Fact]
    public void Score_EmptyReference_SeAndPpvZeroWithCounts()
    {
        SoundScores scores = SegmentationScorer.Score([], [S1(1.0), S2(1.3)], Tolerance);

        Assert.Equal(new MatchCounts(0, 0, 2), scores.Both);
        Assert.Equal((0.0, 0.0, 0.0), (scores.Both.Sensitivity, scores.Both.PositivePredictiveValue, scores.Both.F1));
    }

    [Fact]
    public void Score_EmptyDetections_SeZeroPpvZero()
    {
        SoundScores scores = SegmentationScorer.Score(Beats(3), [], Tolerance);

        Assert.Equal(new MatchCounts(0, 6, 0), scores.Both);
        Assert.Equal(0.0, scores.Both.Sensitivity);
        Assert.Equal(0.0, scores.Both.PositivePredictiveValue);
        Assert.False(double.IsNaN(scores.Both.F1));
    }

    [Fact]
    public void Score_NearestFirstWouldMisPair_StillMaximumMatching()
    {
        // Pairing reference 1.00 with its nearest detection (1.03) would leave 1.12 only 0.91 (0.21 away): 1 hit.
        // The maximum one-to-one matching is 1.00-0.91 and 1.12-1.03 (both 0.09 apart): 2 hits.
        SoundScores scores = SegmentationScorer.Score([S1(1.0), S1(1.12)], [S1(1.03), S1(0.91)], Tolerance);

        Assert.Equal(new MatchCounts(2, 2, 2), scores.S1);
    }

    [Fact]
    public void Score_UnsortedInput_SameAsSorted()
    {
        List<HeartSound> reference = Beats(6);
        var detected = reference.Select((s, i) => s with { StartSeconds = s.StartSeconds + (i % 3 * 0.04), EndSeconds = s.EndSeconds + (i % 3 * 0.04) }).ToList();
        var shuffled = detected.OrderBy(s => s.EndSeconds * 7919 % 1).ToList();

        Assert.Equal(SegmentationScorer.Score(reference, detected, Tolerance), SegmentationScorer.Score(reference, shuffled, Tolerance));
    }

    [Fact]
    public void Score_WithSpan_IgnoresDetectionsOutsideAnnotatedRegion()
    {
        HeartSound[] reference = [S1(1.0), S2(1.3)];
        HeartSound[] detected = [S1(0.2), S1(1.0), S2(1.3), S1(3.0)];

        SoundScores unrestricted = SegmentationScorer.Score(reference, detected, Tolerance);
        SoundScores restricted = SegmentationScorer.Score(reference, detected, Tolerance, new AnnotatedSpan(0.9, 1.4));

        Assert.Equal(new MatchCounts(1, 1, 3), unrestricted.S1);
        Assert.Equal(new MatchCounts(1, 1, 1), restricted.S1);
        Assert.Equal(new MatchCounts(1, 1, 1), restricted.S2);
    }

    [Fact]
    public void Score_PointMarks_MatchLikeIntervals()
    {
        // PASCAL marks: StartSeconds == EndSeconds.
        SoundScores scores = SegmentationScorer.Score([new HeartSound(SoundType.S1, 0.5, 0.5)], [new HeartSound(SoundType.S1, 0.45, 0.55)], 0.0);

        Assert.Equal(1, scores.S1.Matched);
    }

    [Fact]
    public void Score_BadTolerance_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentationScorer.Score([], [], -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentationScorer.Score([], [], double.NaN));
        Assert.Throws<ArgumentException>(() => SegmentationScorer.Score([S1(double.NaN)], [], 0.1));
    }

    [Fact]
    public void Accumulator_TwoRecordings_PoolsCounts()
    {
        var pool = new SegmentationScoreAccumulator();

        pool.Add(Beats(4), Beats(4), Tolerance);
        pool.Add(Beats(4), [], Tolerance);

        Assert.Equal(2, pool.Recordings);
        Assert.Equal(new MatchCounts(8, 16, 8), pool.Total.Both);
        Assert.Equal(0.5, pool.Total.Both.Sensitivity);
        Assert.Equal(1.0, pool.Total.Both.PositivePredictiveValue);
    }

    [Fact]
    public void MatchCounts_F1_IsHarmonicMeanOfSeAndPpv()
    {
        var counts = new MatchCounts(6, 10, 8);

        double harmonic = 2 * counts.Sensitivity * counts.PositivePredictiveValue / (counts.Sensitivity + counts.PositivePredictiveValue);

        Assert.Equal(harmonic, counts.F1, 12);
    }

    internal static HeartSound S1(double centre) => new(SoundType.S1, centre - 0.05, centre + 0.05);

    internal static HeartSound S2(double centre) => new(SoundType.S2, centre - 0.04, centre + 0.04);

    /// <summary>Regular beats at 1 s period: S1 at 1 + k, S2 at 1.3 + k.</summary>
    internal static List<HeartSound> Beats(int count) => [.. Enumerable.Range(0, count).SelectMany(k => new[] { S1(1.0 + k), S2(1.3 + k) })];
}
