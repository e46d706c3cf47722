using System.Text.Json;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Tests.Evaluation;

public sealed class EvaluationReportTests
{
    [Fact]
    public void ToJson_PooledScores_WritesSnakeCaseFields()
    {
        var pool = new SegmentationScoreAccumulator();
        SoundScores one = pool.Add(SegmentationScorerTests.Beats(4), SegmentationScorerTests.Beats(4), 0.1);
        pool.Add(SegmentationScorerTests.Beats(4), [], 0.1);
        var hr = new HeartRateError();
        hr.Add(SegmentationScorerTests.Beats(12), SegmentationScorerTests.Beats(12), new AnnotatedSpan(0, 12));
        EvaluationReport report = EvaluationReport.Create(pool, 0.1, hr, [RecordingEvaluation.From("rec1", one)]);

        using JsonDocument json = JsonDocument.Parse(report.ToJson());
        JsonElement root = json.RootElement;

        Assert.Equal(2, root.GetProperty("recordings").GetInt32());
        Assert.Equal(100.0, root.GetProperty("tolerance_ms").GetDouble());
        Assert.Equal(0.5, root.GetProperty("se").GetDouble());
        Assert.Equal(1.0, root.GetProperty("ppv").GetDouble());
        Assert.Equal(2.0 / 3.0, root.GetProperty("f1").GetDouble(), 12);
        Assert.Equal(0.5, root.GetProperty("s1").GetProperty("se").GetDouble());
        Assert.Equal(8, root.GetProperty("s2").GetProperty("references").GetInt32());
        Assert.Equal(0.0, root.GetProperty("hr_mae_bpm").GetDouble());
        Assert.Equal("rec1", root.GetProperty("per_recording")[0].GetProperty("id").GetString());
    }

    [Fact]
    public void ToJson_NoHeartRateNoRows_OmitsNullsAndRoundTrips()
    {
        var pool = new SegmentationScoreAccumulator();
        pool.Add(new SoundScores(new MatchCounts(3, 4, 5), new MatchCounts(1, 2, 3)));
        EvaluationReport report = EvaluationReport.Create(pool, 0.06);

        string text = report.ToJson();
        EvaluationReport back = EvaluationReport.FromJson(text);

        Assert.DoesNotContain("hr_mae_bpm", text, StringComparison.Ordinal);
        Assert.DoesNotContain("per_recording", text, StringComparison.Ordinal);
        Assert.Equal(60.0, back.ToleranceMs);
        Assert.Equal(report.S1, back.S1);
        Assert.Equal(4.0 / 6.0, back.Se, 12);
    }
}
