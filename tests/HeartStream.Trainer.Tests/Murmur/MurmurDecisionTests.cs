using HeartStream.Trainer.Murmur;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Tests.Murmur;

public sealed class MurmurDecisionTests
{
    private static PatientScore P(string id, MurmurStatus truth, double score) => new(id, truth, score, 0);

    [Fact]
    public void WeightedAccuracyWeighsPresentFiveUnknownThreeAbsentOne()
    {
        // 2 Present (1 right), 1 Unknown (right), 3 Absent (2 right): (5 + 3 + 2) / (10 + 3 + 3)
        (MurmurStatus, MurmurStatus)[] pairs =
        [
            (MurmurStatus.Present, MurmurStatus.Present), (MurmurStatus.Present, MurmurStatus.Absent),
            (MurmurStatus.Unknown, MurmurStatus.Unknown),
            (MurmurStatus.Absent, MurmurStatus.Absent), (MurmurStatus.Absent, MurmurStatus.Absent), (MurmurStatus.Absent, MurmurStatus.Present),
        ];
        Assert.Equal(10.0 / 16, MurmurDecision.WeightedAccuracy(pairs), 12);
    }

    [Fact]
    public void AurocCountsOrderedPairsAndHalfTies()
    {
        PatientScore[] s = [P("a", MurmurStatus.Present, 0.9), P("b", MurmurStatus.Present, 0.3), P("c", MurmurStatus.Absent, 0.3), P("d", MurmurStatus.Absent, 0.1), P("u", MurmurStatus.Unknown, 1)];
        Assert.Equal((1 + 1 + 0.5 + 1) / 4.0, MurmurDecision.Auroc(s), 12);
    }

    [Fact]
    public void ChosenThresholdsSeparateSeparableClasses()
    {
        PatientScore[] s =
        [
            P("a1", MurmurStatus.Absent, 0.01), P("a2", MurmurStatus.Absent, 0.02), P("a3", MurmurStatus.Absent, 0.03),
            P("u1", MurmurStatus.Unknown, 0.10), P("u2", MurmurStatus.Unknown, 0.12),
            P("p1", MurmurStatus.Present, 0.30), P("p2", MurmurStatus.Present, 0.40),
        ];
        MurmurThresholds t = MurmurDecision.Choose(s);
        MurmurFigures f = MurmurDecision.Figures(s, _ => t);
        Assert.Equal(1.0, f.WeightedAccuracy, 12);
        Assert.Equal(1.0, f.SePresent, 12);
        Assert.Equal(1.0, f.SpAbsent, 12);
        Assert.Equal(MurmurStatus.Unknown, t.Decide(0.11));
    }

    [Fact]
    public void RecordingScoreIsTheMurmurShareBetweenTheSounds()
    {
        // 2 frames, classes S1, systole, S2, diastole, murmur (channel-major)
        float[] p = [0.5f, 0, 0.25f, 0, 0.25f, 0, 0, 0.5f, 0, 0.5f];
        Assert.Equal(0.5 / (0.25 + 0.5 + 0.5), MurmurDecision.RecordingScore(p, 2), 6);
    }
}
