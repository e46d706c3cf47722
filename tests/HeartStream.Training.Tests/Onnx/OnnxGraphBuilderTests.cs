using HeartStream.Pipeline.Inference;
using HeartStream.Training.Onnx;

namespace HeartStream.Training.Tests.Onnx;

/// <summary>
/// Models built with <see cref="OnnxGraphBuilder"/>, saved, loaded into ONNX Runtime through the Pipeline binding and
/// compared with a straightforward C# computation of the same network.
/// </summary>
public sealed class OnnxGraphBuilderTests : IDisposable
{
    private const int InChannels = 4;
    private const int Hidden = 8;
    private const int Kernel = 5;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "heartstream-onnx-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(3, 37)]
    public void Save_ConvReluConvSoftmax_OrtMatchesCSharpReference(int batch, int time)
    {
        var rng = new Random(42);
        float[] w1 = RandomArray(rng, Hidden * InChannels * Kernel, 0.3f);
        float[] b1 = RandomArray(rng, Hidden, 0.1f);
        float[] w2 = RandomArray(rng, InChannels * Hidden * Kernel, 0.3f);
        float[] b2 = RandomArray(rng, InChannels, 0.1f);
        string path = Path.Combine(_dir, "conv.onnx");
        BuildConvModel(w1, b1, w2, b2).Save(path);
        float[] x = RandomArray(rng, batch * InChannels * time, 1f);
        long[] shape = [batch, InChannels, time];

        using OnnxSession session = OnnxSession.Load(path, new OnnxSessionOptions { IntraOpThreads = 1 });
        float[] actual = new float[x.Length];
        session.Run("features", x, shape, "probabilities", actual, shape);

        float[] hidden = Relu(Conv1d(x, batch, InChannels, time, w1, b1, Hidden, Kernel, Kernel / 2));
        float[] expected = SoftmaxOverChannels(Conv1d(hidden, batch, Hidden, time, w2, b2, InChannels, Kernel, Kernel / 2), batch, InChannels, time);
        AssertClose(expected, actual, 1e-5f);
    }

    [Fact]
    public void Build_DynamicBatchAndTime_OrtReportsNamedDynamicDimensionsAndMetadata()
    {
        var rng = new Random(1);
        OnnxGraphBuilder builder = BuildConvModel(
            RandomArray(rng, Hidden * InChannels * Kernel, 0.3f), new float[Hidden], RandomArray(rng, InChannels * Hidden * Kernel, 0.3f), new float[InChannels]);
        builder.DocString = "Test segmenter.";
        builder.SetMetadata("manifest_sha256", "abc123");

        using OnnxSession session = OnnxSession.Load(builder.ToBytes());

        Assert.Equal([-1L, InChannels, -1L], session.Inputs[0].Dimensions);
        Assert.Equal(["batch", string.Empty, "time"], session.Inputs[0].DimensionNames);
        Assert.Equal(["batch", string.Empty, "time"], session.Outputs[0].DimensionNames);
        Assert.Equal("HeartStream", session.ProducerName);
        Assert.Equal("abc123", session.GetMetadata("manifest_sha256"));
        Assert.Null(session.GetMetadata("absent"));
        Assert.Equal(17, builder.Build().OpsetImport.Single().Version);
    }

    [Fact]
    public void Save_MixedOperators_OrtMatchesCSharpReference()
    {
        // x[B,4,T] -> BatchNorm -> Gelu -> MaxPool(2) -> Upsample(2) -> Concat(x) -> Sigmoid -> ReduceMean(time) -> Gemm -> [B,3]
        const int batch = 2;
        const int time = 10;
        const int classes = 3;
        var rng = new Random(5);
        float[] scale = RandomArray(rng, InChannels, 1f);
        float[] bias = RandomArray(rng, InChannels, 0.5f);
        float[] mean = RandomArray(rng, InChannels, 0.5f);
        float[] variance = Array.ConvertAll(RandomArray(rng, InChannels, 1f), v => MathF.Abs(v) + 0.5f);
        float[] dense = RandomArray(rng, classes * 2 * InChannels, 0.5f);
        float[] denseBias = RandomArray(rng, classes, 0.5f);

        var b = new OnnxGraphBuilder("mixed");
        string x = b.AddInput("x", "batch", InChannels, "time");
        string bn = b.BatchNormalization(x, b.AddInitializer("bn_scale", scale, InChannels), b.AddInitializer("bn_bias", bias, InChannels),
            b.AddInitializer("bn_mean", mean, InChannels), b.AddInitializer("bn_var", variance, InChannels), 1e-5f);
        string pooled = b.MaxPool(b.Gelu(bn), [2], strides: [2]);
        string up = b.Upsample(pooled, 1f, 1f, 2f);
        string pooledTime = b.ReduceMean(b.Sigmoid(b.Concat(1, up, x)), [2], keepDims: false);
        string logits = b.Gemm(pooledTime, b.AddInitializer("dense_w", dense, classes, 2 * InChannels), b.AddInitializer("dense_b", denseBias, classes), transB: true);
        b.AddOutput(logits, "logits", "batch", classes);
        float[] input = RandomArray(rng, batch * InChannels * time, 1.5f);

        using OnnxSession session = OnnxSession.Load(b.ToBytes(), new OnnxSessionOptions { GraphOptimization = OnnxGraphOptimization.Disabled });
        IReadOnlyList<OnnxTensor> result = session.Run([new OnnxInput("x", input, new long[] { batch, InChannels, time })]);

        float[] expected = new float[batch * classes];
        for (int n = 0; n < batch; n++)
        {
            float[] features = new float[2 * InChannels];
            for (int c = 0; c < 2 * InChannels; c++)
            {
                double sum = 0;
                for (int t = 0; t < time; t++)
                {
                    float v = c < InChannels ? MaxOfPair(n, c, t / 2) : input[Index(n, c - InChannels, t)];
                    sum += 1 / (1 + Math.Exp(-v));
                }

                features[c] = (float)(sum / time);
            }

            for (int k = 0; k < classes; k++)
            {
                double acc = denseBias[k];
                for (int c = 0; c < 2 * InChannels; c++)
                {
                    acc += dense[(k * 2 * InChannels) + c] * features[c];
                }

                expected[(n * classes) + k] = (float)acc;
            }
        }

        Assert.Equal([batch, classes], result[0].Shape);
        AssertClose(expected, result[0].Data.Span, 1e-5f);

        int Index(int n, int c, int t) => (((n * InChannels) + c) * time) + t;

        float GeluBn(int n, int c, int t)
        {
            double v = ((input[Index(n, c, t)] - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * scale[c]) + bias[c];
            return (float)(0.5 * v * (1 + Erf(v / Math.Sqrt(2))));
        }

        float MaxOfPair(int n, int c, int p) => MathF.Max(GeluBn(n, c, 2 * p), GeluBn(n, c, (2 * p) + 1));
    }

    [Fact]
    public void Save_ConvTransposeTransposeMatMul_OrtMatchesCSharpReference()
    {
        // x[1,2,3] -> ConvTranspose(k2,s2) -> [1,3,6] -> Transpose(0,2,1) -> [1,6,3] -> MatMul W[3,2] -> [1,6,2]
        var rng = new Random(9);
        float[] input = RandomArray(rng, 2 * 3, 1f);
        float[] weight = RandomArray(rng, 2 * 3 * 2, 1f); // [in=2, out=3, k=2]
        float[] tbias = RandomArray(rng, 3, 1f);
        float[] projection = RandomArray(rng, 3 * 2, 1f);
        var b = new OnnxGraphBuilder("deconv");
        string x = b.AddInput("x", 1, 2, 3);
        string y = b.ConvTranspose(x, b.AddInitializer("w", weight, 2, 3, 2), b.AddInitializer("b", tbias, 3), strides: [2]);
        string z = b.MatMul(b.Transpose(y, 0, 2, 1), b.AddInitializer("p", projection, 3, 2));
        b.AddOutput(z, "z", 1, 6, 2);

        using OnnxSession session = OnnxSession.Load(b.ToBytes());
        float[] actual = new float[12];
        session.Run("x", input, [1, 2, 3], "z", actual, [1, 6, 2]);

        float[] deconv = new float[3 * 6]; // [out, time]
        for (int o = 0; o < 3; o++)
        {
            for (int t = 0; t < 3; t++)
            {
                for (int k = 0; k < 2; k++)
                {
                    float acc = 0;
                    for (int i = 0; i < 2; i++)
                    {
                        acc += input[(i * 3) + t] * weight[(((i * 3) + o) * 2) + k];
                    }

                    deconv[(o * 6) + (2 * t) + k] = acc + tbias[o];
                }
            }
        }

        float[] expected = new float[12];
        for (int t = 0; t < 6; t++)
        {
            for (int j = 0; j < 2; j++)
            {
                float acc = 0;
                for (int o = 0; o < 3; o++)
                {
                    acc += deconv[(o * 6) + t] * projection[(o * 2) + j];
                }

                expected[(t * 2) + j] = acc;
            }
        }

        AssertClose(expected, actual, 1e-5f);
    }

    [Fact]
    public void Build_NodeUsesUndefinedValue_ThrowsNamingIt()
    {
        var b = new OnnxGraphBuilder("broken");
        string x = b.AddInput("x", "batch", 4);
        b.AddOutput(b.Add(x, "missing_weight"), "y", "batch", 4);

        var ex = Assert.Throws<InvalidOperationException>(() => b.Build());

        Assert.Contains("missing_weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInitializer_CountDoesNotMatchDims_ThrowsNamingIt()
    {
        var b = new OnnxGraphBuilder("g");

        var ex = Assert.Throws<ArgumentException>(() => b.AddInitializer("w", new float[5], 2, 3));

        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInput_DuplicateName_Throws()
    {
        var b = new OnnxGraphBuilder("g");
        b.AddInput("x", 1);

        Assert.Throws<ArgumentException>(() => b.AddInitializer("x", [1f], 1));
    }

    private static OnnxGraphBuilder BuildConvModel(float[] w1, float[] b1, float[] w2, float[] b2)
    {
        var b = new OnnxGraphBuilder("tiny_segmenter") { ProducerVersion = "test" };
        string x = b.AddInput("features", "batch", InChannels, "time");
        string h = b.Relu(b.Conv(x, b.AddInitializer("conv1.weight", w1, Hidden, InChannels, Kernel), b.AddInitializer("conv1.bias", b1, Hidden), pads: [Kernel / 2, Kernel / 2]));
        string logits = b.Conv(h, b.AddInitializer("conv2.weight", w2, InChannels, Hidden, Kernel), b.AddInitializer("conv2.bias", b2, InChannels), pads: [Kernel / 2, Kernel / 2]);
        b.AddOutput(b.Softmax(logits, axis: 1), "probabilities", "batch", InChannels, "time");
        return b;
    }

    private static float[] Conv1d(float[] x, int batch, int inChannels, int time, float[] w, float[] bias, int outChannels, int kernel, int pad)
    {
        float[] y = new float[batch * outChannels * time];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                for (int t = 0; t < time; t++)
                {
                    double acc = bias[o];
                    for (int i = 0; i < inChannels; i++)
                    {
                        for (int k = 0; k < kernel; k++)
                        {
                            int s = t + k - pad;
                            if (s >= 0 && s < time)
                            {
                                acc += w[(((o * inChannels) + i) * kernel) + k] * x[(((n * inChannels) + i) * time) + s];
                            }
                        }
                    }

                    y[(((n * outChannels) + o) * time) + t] = (float)acc;
                }
            }
        }

        return y;
    }

    private static float[] Relu(float[] x) => Array.ConvertAll(x, v => MathF.Max(v, 0f));

    private static float[] SoftmaxOverChannels(float[] x, int batch, int channels, int time)
    {
        float[] y = new float[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int t = 0; t < time; t++)
            {
                double max = double.NegativeInfinity;
                for (int c = 0; c < channels; c++)
                {
                    max = Math.Max(max, x[(((n * channels) + c) * time) + t]);
                }

                double sum = 0;
                for (int c = 0; c < channels; c++)
                {
                    sum += Math.Exp(x[(((n * channels) + c) * time) + t] - max);
                }

                for (int c = 0; c < channels; c++)
                {
                    int idx = (((n * channels) + c) * time) + t;
                    y[idx] = (float)(Math.Exp(x[idx] - max) / sum);
                }
            }
        }

        return y;
    }

    /// <summary>erf by its Maclaurin series: accurate to ~1e-11 for |x| up to 5, and erfc(5) is ~1.5e-12 beyond.</summary>
    private static double Erf(double x)
    {
        if (Math.Abs(x) > 5)
        {
            return Math.Sign(x);
        }

        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++)
        {
            sum += term / ((2 * n) + 1);
            term *= -x * x / (n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static float[] RandomArray(Random rng, int count, float scale)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = ((rng.NextSingle() * 2) - 1) * scale;
        }

        return values;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (MathF.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail($"Value {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
            }
        }
    }
}
