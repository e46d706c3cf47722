using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>
/// Windowed serving of a segmenter. The fixture model (Fixtures/models/make_fixture.py, torch 1.13) is pointwise, so
/// overlapping windows averaged together must reproduce the whole-recording output exactly; any misplaced window,
/// transpose or weight shows up as a difference.
/// </summary>
public sealed class OnnxEmissionModelTests : IDisposable
{
    private readonly OnnxSession _session = OnnxSession.Load(Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "models", "pointwise_segmenter.onnx"));

    public void Dispose() => _session.Dispose();

    [Theory]
    [InlineData(700, 64, 16)]
    [InlineData(257, 256, 128)]
    [InlineData(1000, 100, 100)]
    public void Predict_LongRecordingInWindows_EqualsSingleRun(int frames, int window, int hop)
    {
        float[] features = Features(frames, 3);
        using var windowed = new OnnxEmissionModel(_session, window, hop, batchSize: 3);
        using var whole = new OnnxEmissionModel(_session, frames + 8, 8);
        float[] actual = new float[frames * 4];
        float[] expected = new float[frames * 4];

        windowed.Predict(features, actual);
        whole.Predict(features, expected);

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5f, $"value {i}: whole {expected[i]}, windowed {actual[i]}");
        }
    }

    [Fact]
    public void Predict_ShortRecording_MatchesDirectRunTransposed()
    {
        const int frames = 37;
        float[] features = Features(frames, 5);
        var channelMajor = new float[4 * frames];
        for (int t = 0; t < frames; t++)
        {
            for (int c = 0; c < 4; c++)
            {
                channelMajor[(c * frames) + t] = features[(t * 4) + c];
            }
        }

        var direct = new float[4 * frames];
        _session.Run("features", channelMajor, [1, 4, frames], "posteriors", direct, [1, 4, frames]);
        using var model = new OnnxEmissionModel(_session);
        var actual = new float[frames * 4];

        model.Predict(features, actual);

        for (int t = 0; t < frames; t++)
        {
            float rowSum = 0;
            for (int s = 0; s < 4; s++)
            {
                Assert.Equal(direct[(s * frames) + t], actual[(t * 4) + s], 6);
                rowSum += actual[(t * 4) + s];
            }

            Assert.Equal(1f, rowSum, 5);
        }
    }

    [Fact]
    public void Predict_WrongPosteriorLength_ThrowsNamingSizes()
    {
        using var model = new OnnxEmissionModel(_session);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[40], new float[39]));
        Assert.Contains("10 x 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ModelWithoutPosteriorsOutput_ThrowsClearMessage()
    {
        using OnnxSession other = OnnxSession.Load(Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "inference", "tiny_conv.onnx"));
        var e = Assert.Throws<InvalidDataException>(() => new OnnxEmissionModel(other));
        Assert.Contains("posteriors", e.Message, StringComparison.Ordinal);
    }

    // A bounded-context network (a random dilated conv stack with asymmetric padding, written with the trainer's ONNX
    // graph builder) served in context windows: each frame's
    // posteriors must be those of one run over the whole recording with zeros before and after it (its receptive field
    // then lies wholly inside, as inside its window), whatever the window and batch size.
    [Theory]
    [InlineData(700, 64, 3)]
    [InlineData(301, 48, 1)]
    [InlineData(20, 64, 8)]
    public void Predict_BoundedContext_EachFrameFromAWindowHoldingItsContext(int frames, int window, int batch)
    {
        (byte[] onnx, int past, int future) = BoundedContextNetwork(seed: 2);
        using OnnxSession session = OnnxSession.Load(onnx);
        using var model = new OnnxEmissionModel(session, window, hopFrames: 1, batchSize: batch, context: (past, future));
        float[] features = Features(frames, 7);
        int padded = frames + past + future;
        var input = new float[4 * padded];
        for (int t = 0; t < frames; t++)
        {
            for (int c = 0; c < 4; c++)
            {
                input[(c * padded) + past + t] = features[(t * 4) + c];
            }
        }

        var whole = new float[4 * padded];
        session.Run("features", input, [1, 4, padded], "posteriors", whole, [1, 4, padded]);
        var actual = new float[frames * 4];

        model.Predict(features, actual);

        Assert.True(model.UsesContextWindows);
        Assert.Equal(window - past - future, model.HopFrames);
        for (int t = 0; t < frames; t++)
        {
            for (int s = 0; s < 4; s++)
            {
                float expected = whole[(s * padded) + past + t];
                Assert.True(Math.Abs(expected - actual[(t * 4) + s]) < 1e-5f, $"frame {t} state {s}: whole {expected}, windowed {actual[(t * 4) + s]}");
            }
        }
    }

    [Fact]
    public void Constructor_ContextLeavingNoRoom_Throws()
    {
        Assert.Throws<ArgumentException>(() => new OnnxEmissionModel(_session, 64, 16, context: (40, 24)));
    }

    /// <summary>
    /// Conv k5 (dilations 1, 2, 4, 2; 6 channels; right padding 2, 4, 0, 0, the rest on the left) with ReLU, a 1×1 head to
    /// 4 states and a softmax: 30 frames of past and 6 of future context.
    /// </summary>
    private static (byte[] Onnx, int Past, int Future) BoundedContextNetwork(int seed)
    {
        int[] dilations = [1, 2, 4, 2], right = [2, 4, 0, 0];
        const int kernel = 5, width = 6;
        var rng = new Random(seed);
        float[] Random(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale))];
        var b = new Training.Onnx.OnnxGraphBuilder("bounded");
        string x = b.AddInput("features", "batch", 4, "time");
        int inputs = 4, past = 0, future = 0;
        for (int i = 0; i < dilations.Length; i++)
        {
            int span = dilations[i] * (kernel - 1);
            string w = b.AddInitializer($"conv{i}.weight", Random(width * inputs * kernel, 1.0 / Math.Sqrt(inputs * kernel)), width, inputs, kernel);
            string bias = b.AddInitializer($"conv{i}.bias", Random(width, 0.1), width);
            x = b.Relu(b.Conv(x, w, bias, pads: [span - right[i], right[i]], dilations: [dilations[i]]));
            (inputs, past, future) = (width, past + span - right[i], future + right[i]);
        }

        string hw = b.AddInitializer("head.weight", Random(4 * width, 1.0 / Math.Sqrt(width)), 4, width, 1);
        string hb = b.AddInitializer("head.bias", Random(4, 0.1), 4);
        b.AddOutput(b.Softmax(b.Conv(x, hw, hb), axis: 1), "posteriors", "batch", 4, "time");
        return (b.ToBytes(), past, future);
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
