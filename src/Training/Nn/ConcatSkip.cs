namespace HeartStream.Training.Nn;

/// <summary>
/// U-Net skip connection: y = concat([x, inner(x)], channels). The inner path (e.g. MaxPool → convs → Upsample)
/// must return the same batch size and frame count (ONNX: the inner graph, then Concat axis=1).
/// </summary>
public sealed class ConcatSkip : ILayer
{
    private readonly ILayer[] _children;
    private Tensor? _output;
    private Tensor? _innerGrad;
    private Tensor? _gradInput;
    private int _skipChannels;

    public ConcatSkip(ILayer inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _children = [inner];
    }

    public LayerKind Kind => LayerKind.ConcatSkip;

    public ILayer Inner { get; }

    public IReadOnlyList<Parameter> Parameters => Inner.Parameters;

    public IReadOnlyList<Parameter> Buffers => Inner.Buffers;

    public IReadOnlyList<ILayer> Children => _children;

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(ConcatSkip));
        Tensor inner = Inner.Forward(input, training);
        int n = input.Dim(0), c1 = input.Dim(1), w = input.Dim(2);
        if (inner.Rank != 3 || inner.Dim(0) != n || inner.Dim(2) != w)
        {
            throw new InvalidOperationException($"ConcatSkip: inner output {inner} cannot be concatenated with input {input}.");
        }

        int c2 = inner.Dim(1);
        _skipChannels = c1;
        _output = Tensor.Reuse(_output, n, c1 + c2, w);
        for (int i = 0; i < n; i++)
        {
            input.Data.AsSpan(i * c1 * w, c1 * w).CopyTo(_output.Data.AsSpan(i * (c1 + c2) * w));
            inner.Data.AsSpan(i * c2 * w, c2 * w).CopyTo(_output.Data.AsSpan(((i * (c1 + c2)) + c1) * w));
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor output = _output ?? throw new InvalidOperationException("ConcatSkip.Backward called before Forward.");
        if (!gradOutput.HasShape(output.Shape))
        {
            throw new ArgumentException($"ConcatSkip gradient shape {gradOutput} does not match output {output}.", nameof(gradOutput));
        }

        int n = output.Dim(0), c = output.Dim(1), w = output.Dim(2), c1 = _skipChannels, c2 = c - c1;
        _innerGrad = Tensor.Reuse(_innerGrad, n, c2, w);
        for (int i = 0; i < n; i++)
        {
            gradOutput.Data.AsSpan(((i * c) + c1) * w, c2 * w).CopyTo(_innerGrad.Data.AsSpan(i * c2 * w));
        }

        Tensor innerInputGrad = Inner.Backward(_innerGrad);
        _gradInput = Tensor.Reuse(_gradInput, n, c1, w);
        for (int i = 0; i < n; i++)
        {
            Span<float> dst = _gradInput.Data.AsSpan(i * c1 * w, c1 * w);
            System.Numerics.Tensors.TensorPrimitives.Add(
                gradOutput.Data.AsSpan(i * c * w, c1 * w), innerInputGrad.Data.AsSpan(i * c1 * w, c1 * w), dst);
        }

        return _gradInput;
    }
}
