using HeartStream.Pipeline.Inference;
using HeartStream.Training.Models;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Tests.Models;

/// <summary>
/// Exports layer trees with <see cref="OnnxModelExporter"/>, loads them in ONNX Runtime and compares ORT's output with
/// our own forward pass in inference mode (softmax applied on our side), element by element.
/// </summary>
public sealed class OnnxModelExporterTests
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<int, int> Shapes => new() { { 1, 64 }, { 3, 48 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Segmenter_DilatedTcn_OrtMatchesForward(int batch, int time)
    {
        Sequential model = ModelFactory.DilatedTcn(4, 8, 4, 5, 4, seed: 3, dropout: 0.2);
        RandomiseBatchNorm(model, 11);
        AssertSegmenterParity(model, batch, time);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Segmenter_BoundedLookaheadTcn_OrtMatchesForward(int batch, int time)
    {
        // Asymmetric padding exports as ONNX Conv pads [begin, end].
        Sequential model = ModelFactory.DilatedTcn(4, 8, 0, 5, 4, seed: 5, dilations: [1, 2, 4, 2], futureFrames: 5);
        RandomiseBatchNorm(model, 14);
        AssertSegmenterParity(model, batch, time);
    }

    [Fact]
    public void Segmenter_UNet_OrtMatchesForward()
    {
        Sequential model = ModelFactory.UNet1d(4, 4, 2, 5, 4, seed: 4);
        RandomiseBatchNorm(model, 12);
        AssertSegmenterParity(model, 2, 64);
    }

    [Fact]
    public void Classifier_ConvGeluPoolLinear_OrtMatchesForward()
    {
        var rng = new Random(9);
        var model = new Sequential(
            new Conv1d(4, 6, 3, rng, padding: Conv1d.SamePadding),
            new BatchNorm1d(6),
            new Gelu(),
            new Dropout(0.3, 1),
            new MaxPool1d(),
            new Conv1d(6, 6, 3, rng, stride: 2, padding: 1, dilation: 1),
            new Relu(),
            new GlobalAvgPool1d(),
            new Linear(6, 3, rng));
        RandomiseBatchNorm(model, 13);
        float[] x = RandomInput(2, 40, 21);

        using OnnxSession session = OnnxSession.Load(OnnxModelExporter.Classifier(model, 4, 3).ToBytes());
        float[] actual = new float[2 * 3];
        session.Run(OnnxModelExporter.InputName, x, [2, 4, 40], OnnxModelExporter.ProbabilitiesName, actual, [2, 3]);

        float[] expected = model.Forward(new Tensor((float[])x.Clone(), 2, 4, 40), training: false).Data.ToArray();
        Softmax(expected, 2, 3, 1);
        AssertClose(expected, actual);
    }

    [Fact]
    public void Segmenter_ExportedGraph_UsesQualifiedInitialiserNamesAndDynamicDims()
    {
        Sequential model = ModelFactory.DilatedTcn(4, 8, 2, 3, 4, seed: 1);
        var proto = OnnxModelExporter.Segmenter(model, 4, 4).Build();

        string[] names = [.. proto.Graph.Initializer.Select(i => i.Name)];
        foreach (var (name, _) in ModelState.NamedParameters(model).Concat(ModelState.NamedBuffers(model)))
        {
            Assert.Contains(name, names);
        }

        Assert.Equal("batch", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal("time", proto.Graph.Output[0].Type.TensorType.Shape.Dim[2].DimParam);
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "Dropout");
    }

    [Fact]
    public void Segmenter_UnknownLayer_ThrowsNamingKindAndPath()
    {
        var model = new Sequential(new Relu(), new Sequential(new Relu(), new UnknownLayer()));

        var e = Assert.Throws<NotSupportedException>(() => OnnxModelExporter.Segmenter(model, 4, 4));
        Assert.Contains("UnknownLayer", e.Message, StringComparison.Ordinal);
        Assert.Contains("'1.1.'", e.Message, StringComparison.Ordinal);
    }

    private sealed class UnknownLayer : ILayer
    {
        public LayerKind Kind => LayerKind.Relu;

        public IReadOnlyList<Parameter> Parameters => [];

        public IReadOnlyList<Parameter> Buffers => [];

        public IReadOnlyList<ILayer> Children => [];

        public Tensor Forward(Tensor input, bool training) => input;

        public Tensor Backward(Tensor gradOutput) => gradOutput;
    }

    private static void AssertSegmenterParity(Sequential model, int batch, int time)
    {
        float[] x = RandomInput(batch, time, 7);
        using OnnxSession session = OnnxSession.Load(OnnxModelExporter.Segmenter(model, 4, 4).ToBytes());
        float[] actual = new float[batch * 4 * time];
        session.Run(OnnxModelExporter.InputName, x, [batch, 4, time], OnnxModelExporter.PosteriorsName, actual, [batch, 4, time]);

        float[] expected = model.Forward(new Tensor((float[])x.Clone(), batch, 4, time), training: false).Data.ToArray();
        Softmax(expected, batch, 4, time);
        AssertClose(expected, actual);
    }

    internal static void RandomiseBatchNorm(ILayer layer, int seed)
    {
        var rng = new Random(seed);
        foreach (var (name, p) in ModelState.NamedBuffers(layer))
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] = name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + (float)rng.NextDouble() : (float)(rng.NextDouble() - 0.5);
            }
        }

        foreach (var (name, p) in ModelState.NamedParameters(layer))
        {
            if (p.Shape.Length == 1 && name.EndsWith("weight", StringComparison.Ordinal))
            {
                for (int i = 0; i < p.Value.Length; i++)
                {
                    p.Value[i] = 0.5f + (float)rng.NextDouble();
                }
            }
        }
    }

    private static float[] RandomInput(int batch, int time, int seed)
    {
        var rng = new Random(seed);
        var x = new float[batch * 4 * time];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        return x;
    }

    /// <summary>Softmax over dimension 1 of [n, c, w] in place.</summary>
    private static void Softmax(float[] z, int n, int c, int w)
    {
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < w; t++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    max = Math.Max(max, z[(((i * c) + k) * w) + t]);
                }

                double sum = 0;
                for (int k = 0; k < c; k++)
                {
                    sum += Math.Exp(z[(((i * c) + k) * w) + t] - max);
                }

                for (int k = 0; k < c; k++)
                {
                    int idx = (((i * c) + k) * w) + t;
                    z[idx] = (float)(Math.Exp(z[idx] - max) / sum);
                }
            }
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: expected {expected[i]}, ORT {actual[i]}");
        }
    }
}
