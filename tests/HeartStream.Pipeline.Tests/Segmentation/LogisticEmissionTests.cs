using System.Text.Json;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>
/// Logistic emissions against a torch reference (Fixtures/segmentation/make_logistic_reference.py: synthetic
/// separable 4-class data, same class-balanced L2 objective, fitted with LBFGS in float64).
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class LogisticEmissionTests
{
    private static (float[] Features, int[] Labels, double L2, double[] Weights) Reference()
    {
        string path = Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "segmentation", "logistic_reference.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        return (
            root.GetProperty("features").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("l2").GetDouble(),
            root.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }

    [Fact]
    public void Fit_SyntheticSeparableData_MatchesTorchReference()
    {
        (float[] x, int[] y, double l2, double[] expected) = Reference();

        LogisticEmissionModel model = LogisticEmissionTrainer.Fit([x], [y], 4, l2);

        double[] actual = model.GetWeights();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // Weights are stored as float; the reference is float64.
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"weight {i}: torch {expected[i]}, ours {actual[i]}");
        }
    }

    [Fact]
    public void Predict_SyntheticSeparableData_ClassifiesEveryFrameAndSumsToOne()
    {
        (float[] x, int[] y, double l2, _) = Reference();
        LogisticEmissionModel model = LogisticEmissionTrainer.Fit([x], [y], 4, l2);
        var posteriors = new float[y.Length * 4];

        model.Predict(x, 4, posteriors);

        for (int t = 0; t < y.Length; t++)
        {
            Span<float> p = posteriors.AsSpan(t * 4, 4);
            Assert.Equal(1f, p[0] + p[1] + p[2] + p[3], 4);
            if (y[t] >= 0)
            {
                int best = 0;
                for (int s = 1; s < 4; s++)
                {
                    best = p[s] > p[best] ? s : best;
                }

                Assert.Equal(y[t], best);
            }
        }
    }

    [Fact]
    public void Fit_SplitIntoRecordings_GivesTheSameWeights()
    {
        (float[] x, int[] y, double l2, _) = Reference();
        int cut = 123;

        double[] whole = LogisticEmissionTrainer.Fit([x], [y], 4, l2).GetWeights();
        double[] split = LogisticEmissionTrainer.Fit([x[..(cut * 4)], x[(cut * 4)..]], [y[..cut], y[cut..]], 4, l2).GetWeights();

        Assert.Equal(whole, split);
    }

    [Fact]
    public void Fit_MissingState_ThrowsNamingTheState()
    {
        float[] x = new float[8 * 2];
        int[] y = [0, 1, 3, 0, 1, 3, -1, 0];

        ArgumentException e = Assert.Throws<ArgumentException>(() => LogisticEmissionTrainer.Fit([x], [y], 2));
        Assert.Contains("S2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_LabelOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogisticEmissionTrainer.Fit([new float[4]], [[0, 1, 2, 4]], 1));
    }

    [Fact]
    public void FromPosteriors_DividesByPriors()
    {
        float[] posteriors = [0.4f, 0.3f, 0.2f, 0.1f];
        var likelihoods = new float[4];

        EmissionLikelihood.FromPosteriors(posteriors, [0.1f, 0.3f, 0.1f, 0.5f], likelihoods);

        Assert.Equal([4f, 1f, 2f, 0.2f], likelihoods.Select(v => MathF.Round(v, 5)).ToArray());
        Assert.Throws<ArgumentException>(() => EmissionLikelihood.FromPosteriors(posteriors, [0f, 0.3f, 0.1f, 0.5f], likelihoods));
    }

    [Fact]
    public void Predict_AfterWarmUp_DoesNotAllocate()
    {
        var model = new LogisticEmissionModel([1, 2, 3, 1, 0, 1, 0, 1, -1, 1, 2, 0], 2);
        float[] x = Enumerable.Range(0, 200).Select(i => (float)Math.Sin(i)).ToArray();
        var p = new float[400];
        model.Predict(x, 2, p);

        long allocated = SteadyState.LeastAllocated(3, _ => model.Predict(x, 2, p));

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Predict_VeryNegativeLogits_StillNormalised()
    {
        var model = new LogisticEmissionModel([-200, 0, -210, 0, -220, 0, -230, 0], 1);
        var p = new float[4];

        model.Predict([0f], 1, p);

        Assert.Equal(1f, p.Sum(), 5);
        Assert.True(p[0] > 0.99f);
    }
}
