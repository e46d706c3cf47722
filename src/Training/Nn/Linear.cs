using System.Numerics.Tensors;

namespace HeartStream.Training.Nn;

/// <summary>Fully connected layer y = x·Wᵀ + b over [N, in] → [N, out] (torch.nn.Linear; ONNX Gemm transB=1).</summary>
public sealed class Linear : ILayer
{
    private readonly Parameter[] _parameters;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _gradInput;

    public Linear(int inFeatures, int outFeatures, Random random, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter("weight", [outFeatures, inFeatures]);
        float bound = WeightInit.DefaultBound(inFeatures);
        WeightInit.Uniform(Weight.Value, bound, random);
        if (bias)
        {
            Bias = new Parameter("bias", [outFeatures]);
            WeightInit.Uniform(Bias.Value, bound, random);
            _parameters = [Weight, Bias];
        }
        else
        {
            _parameters = [Weight];
        }
    }

    public LayerKind Kind => LayerKind.Linear;

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>Weight [out, in].</summary>
    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 2, nameof(Linear));
        if (input.Dim(1) != InFeatures)
        {
            throw new ArgumentException($"Linear expects {InFeatures} input features but got {input.Dim(1)}.", nameof(input));
        }

        _input = input;
        int n = input.Dim(0);
        _output = Tensor.Reuse(_output, n, OutFeatures);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = input.Data.AsSpan(i * InFeatures, InFeatures);
            for (int o = 0; o < OutFeatures; o++)
            {
                float s = TensorPrimitives.Dot(x, Weight.Value.AsSpan(o * InFeatures, InFeatures));
                _output.Data[(i * OutFeatures) + o] = Bias is null ? s : s + Bias.Value[o];
            }
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor input = _input ?? throw new InvalidOperationException("Linear.Backward called before Forward.");
        int n = input.Dim(0);
        if (!gradOutput.HasShape([n, OutFeatures]))
        {
            throw new ArgumentException($"Linear gradient shape {gradOutput} does not match output [{n}, {OutFeatures}].", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, n, InFeatures);
        Array.Clear(_gradInput.Data);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = input.Data.AsSpan(i * InFeatures, InFeatures);
            Span<float> dx = _gradInput.Data.AsSpan(i * InFeatures, InFeatures);
            for (int o = 0; o < OutFeatures; o++)
            {
                float g = gradOutput.Data[(i * OutFeatures) + o];
                Span<float> dwRow = Weight.Grad.AsSpan(o * InFeatures, InFeatures);
                TensorPrimitives.MultiplyAdd(x, g, dwRow, dwRow);
                TensorPrimitives.MultiplyAdd(Weight.Value.AsSpan(o * InFeatures, InFeatures), g, dx, dx);
                if (Bias is not null)
                {
                    Bias.Grad[o] += g;
                }
            }
        }

        return _gradInput;
    }
}
