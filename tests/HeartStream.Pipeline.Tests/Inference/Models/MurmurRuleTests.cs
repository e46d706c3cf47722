using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>The murmur decision rule shipped in a frame model's manifest.</summary>
public sealed class MurmurRuleTests
{
    private static readonly MurmurRule s_rule = new()
    {
        UnknownAt = 0.12,
        PresentAt = 0.13,
        CalibrationSlope = 2.5,
        CalibrationIntercept = 4,
        TrainingPrevalence = 0.36,
        PopulationPrevalence = 0.19,
    };

    [Theory]
    [InlineData(0.05, MurmurCall.Absent)]
    [InlineData(0.1199, MurmurCall.Absent)]
    [InlineData(0.12, MurmurCall.Unknown)]
    [InlineData(0.1299, MurmurCall.Unknown)]
    [InlineData(0.13, MurmurCall.Present)]
    [InlineData(0.9, MurmurCall.Present)]
    public void Decide_Thresholds_AreInclusiveFromBelow(double score, MurmurCall expected) =>
        Assert.Equal(expected, s_rule.Decide(score));

    [Fact]
    public void Probability_AtTrainingPrevalence_IsTheFittedLogistic()
    {
        MurmurRule same = s_rule with { PopulationPrevalence = s_rule.TrainingPrevalence };
        double score = 0.2;
        double expected = 1 / (1 + Math.Exp(-((2.5 * Math.Log(0.2 / 0.8)) + 4)));
        Assert.Equal(expected, same.Probability(score), 12);
    }

    [Fact]
    public void Probability_LowerPrevalence_ShiftsTheOddsByTheirRatio()
    {
        double atTraining = (s_rule with { PopulationPrevalence = s_rule.TrainingPrevalence }).Probability(0.2);
        double atPopulation = s_rule.Probability(0.2);
        double oddsRatio = (atPopulation / (1 - atPopulation)) / (atTraining / (1 - atTraining));
        Assert.Equal((0.19 / 0.81) / (0.36 / 0.64), oddsRatio, 9);
        Assert.True(s_rule.Probability(0.3) > s_rule.Probability(0.2), "monotonic in the score");
        Assert.InRange(s_rule.Probability(0), 0, 1e-6);
        Assert.InRange(s_rule.Probability(1), 1 - 1e-6, 1);
    }

    [Fact]
    public void CanTell_NeedsSecondsAndConfidence()
    {
        MurmurRule rule = s_rule with { MinHeardSeconds = 8, MinConfidence = 0.5 };
        Assert.True(rule.CanTell(8, 0.5));
        Assert.False(rule.CanTell(7.9, 0.9));
        Assert.False(rule.CanTell(20, 0.49));
    }

    [Fact]
    public void Problem_BadRules_AreNamed()
    {
        Assert.Null(s_rule.Problem());
        Assert.Contains("thresholds", (s_rule with { UnknownAt = 0.5 }).Problem(), StringComparison.Ordinal);
        Assert.Contains("prevalences", (s_rule with { TrainingPrevalence = 1 }).Problem(), StringComparison.Ordinal);
        Assert.Contains("finite", (s_rule with { CalibrationSlope = double.NaN }).Problem(), StringComparison.Ordinal);
        Assert.Contains("distinct", (s_rule with { SystoleClass = 4 }).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_FrameClassifierWithoutRule_IsRefused()
    {
        const string json = """
            {"name": "classifier-murmur", "version": "2.0.0", "kind": "frame-classifier", "featureSettings": "x",
             "featureSettingsHash": "abc", "spectrogramSettingsHash": "def"}
            """;
        var e = Assert.Throws<InvalidDataException>(() => ModelManifest.FromJson(json, "m.json"));
        Assert.Contains("needs spectrogramSettingsHash and murmur", e.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<InvalidDataException>(() => ModelManifest.FromJson(json.Replace("frame-classifier", "detector", StringComparison.Ordinal), "m.json"));
        Assert.Contains("'frame-classifier'", bad.Message, StringComparison.Ordinal);
    }
}
