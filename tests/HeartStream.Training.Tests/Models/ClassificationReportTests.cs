using HeartStream.Training.Models;

namespace HeartStream.Training.Tests.Models;

/// <summary>Hand-worked examples of every classification figure, including murmur's patient-level aggregation.</summary>
public sealed class ClassificationReportTests
{
    [Fact]
    public void Create_Abnormal_SeSpMaccFromConfusion()
    {
        // truth: 3 abnormal (1), 2 normal (0); predictions: abnormal → 1,1,0; normal → 0,1
        int[] truth = [1, 1, 1, 0, 0];
        int[] predicted = [1, 1, 0, 0, 1];

        ClassificationReport r = ClassificationReport.Create(ClassificationTask.Abnormal, Clips(truth), Probabilities(predicted, 2));

        Assert.Equal(2.0 / 3, r.Se!.Value, 10);
        Assert.Equal(0.5, r.Sp!.Value, 10);
        Assert.Equal((2.0 / 3 + 0.5) / 2, r.Macc!.Value, 10);
        Assert.Equal(0.6, r.Accuracy, 10);
        Assert.Equal([1, 1], r.Confusion[0]);
        Assert.Equal([1, 2], r.Confusion[1]);
    }

    [Fact]
    public void Create_Murmur_PatientLevelWeightedAccuracy()
    {
        // patient A (Present) recordings predicted Absent, Present → Present (correct);
        // patient B (Absent) predicted Absent, Unknown → Unknown (wrong);
        // patient C (Unknown) predicted Absent → Absent (wrong).
        var clips = new List<LabelledClip>
        {
            new("a1", "A", [], 0), new("a2", "A", [], 0),
            new("b1", "B", [], 2), new("b2", "B", [], 2),
            new("c1", "C", [], 1),
        };
        float[][] p = Probabilities([2, 0, 2, 1, 2], 3);

        ClassificationReport r = ClassificationReport.Create(ClassificationTask.Murmur, clips, p);

        Assert.Equal(3, r.Scored);
        Assert.Equal(5.0 / (5 + 3 + 1), r.WeightedAccuracy!.Value, 10);
        Assert.Equal(1.0 / 3, r.Accuracy, 10);
    }

    [Fact]
    public void Create_Pascal_MacroF1OverPresentClasses()
    {
        // classes 0 and 1 only: truth 0,0,1,1; predicted 0,1,1,1 → F1(0) = 2·1/(2+1), F1(1) = 2·2/(2+3)
        ClassificationReport r = ClassificationReport.Create(ClassificationTask.Pascal, Clips([0, 0, 1, 1]), Probabilities([0, 1, 1, 1], 5));

        Assert.Equal(((2.0 / 3) + (4.0 / 5)) / 2, r.MacroF1!.Value, 10);
        Assert.Contains("\"macro_f1\"", r.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"confusion\"", r.ToJson(), StringComparison.Ordinal);
    }

    private static List<LabelledClip> Clips(int[] labels) => [.. labels.Select((l, i) => new LabelledClip("r" + i, "p" + i, [], l))];

    private static float[][] Probabilities(int[] predicted, int classes) =>
        [.. predicted.Select(k => Enumerable.Range(0, classes).Select(c => c == k ? 0.9f : 0.1f / (classes - 1)).ToArray())];
}
