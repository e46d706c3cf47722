using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>
/// Recording-level classification from windows, against direct ORT runs of the fixture mean-pooling classifier
/// (Fixtures/models/make_fixture.py): the mean of the windows' probabilities, windows at 0, hop, … and one aligned to
/// the end; a short recording tiled to a full window.
/// </summary>
public sealed class OnnxWindowClassifierTests : IDisposable
{
    private readonly OnnxSession _session = OnnxSession.Load(Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "models", "mean_classifier.onnx"));

    public void Dispose() => _session.Dispose();

    [Fact]
    public void Predict_LongRecording_IsMeanOfWindowRuns()
    {
        const int frames = 100, window = 40, hop = 25;
        float[] features = Features(frames, 1);
        using var classifier = new OnnxWindowClassifier(_session, window, hop, batchSize: 2);
        var actual = new float[3];

        classifier.Predict(features, actual);

        int[] starts = [0, 25, 50, 60];
        var expected = new double[3];
        foreach (int start in starts)
        {
            float[] p = Direct(features, Enumerable.Range(start, window).ToArray());
            for (int k = 0; k < 3; k++)
            {
                expected[k] += p[k] / starts.Length;
            }
        }

        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(expected[k], actual[k], 5);
        }
    }

    [Fact]
    public void Predict_ShortRecording_TilesToOneWindow()
    {
        const int frames = 15, window = 40;
        float[] features = Features(frames, 2);
        using var classifier = new OnnxWindowClassifier(_session, window, 20);
        var actual = new float[3];

        classifier.Predict(features, actual);

        float[] expected = Direct(features, Enumerable.Range(0, window).Select(t => t % frames).ToArray());
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(expected[k], actual[k], 5);
        }

        Assert.Equal(1f, actual.Sum(), 5);
    }

    [Fact]
    public void Constructor_SegmenterModel_ThrowsClearMessage()
    {
        using OnnxSession segmenter = OnnxSession.Load(Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "models", "pointwise_segmenter.onnx"));
        var e = Assert.Throws<InvalidDataException>(() => new OnnxWindowClassifier(segmenter));
        Assert.Contains("probabilities", e.Message, StringComparison.Ordinal);
    }

    private float[] Direct(float[] features, int[] frames)
    {
        var x = new float[4 * frames.Length];
        for (int t = 0; t < frames.Length; t++)
        {
            for (int c = 0; c < 4; c++)
            {
                x[(c * frames.Length) + t] = features[(frames[t] * 4) + c];
            }
        }

        var p = new float[3];
        _session.Run("features", x, [1, 4, frames.Length], "probabilities", p, [1, 3]);
        return p;
    }

    private static float[] Features(int frames, int seed)
    {
        var rng = new Random(seed);
        var x = new float[frames * 4];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 6) - 3);
        }

        return x;
    }
}
