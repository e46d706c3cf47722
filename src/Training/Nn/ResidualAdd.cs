using System.Numerics.Tensors;

namespace HeartStream.Training.Nn;

/// <summary>Residual connection y = x + inner(x); inner must keep the shape (ONNX: the inner graph, then Add).</summary>
public sealed class ResidualAdd : ILayer
{
    private readonly ILayer[] _children;
    private Tensor? _output;
    private Tensor? _gradInput;

    public ResidualAdd(ILayer inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _children = [inner];
    }

    public LayerKind Kind => LayerKind.ResidualAdd;

    public ILayer Inner { get; }

    public IReadOnlyList<Parameter> Parameters => Inner.Parameters;

    public IReadOnlyList<Parameter> Buffers => Inner.Buffers;

    public IReadOnlyList<ILayer> Children => _children;

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor inner = Inner.Forward(input, training);
        if (!inner.HasShape(input.Shape))
        {
            throw new InvalidOperationException($"ResidualAdd: inner output {inner} does not match input {input}.");
        }

        _output = Tensor.Reuse(_output, input.Shape);
        TensorPrimitives.Add(input.Data, inner.Data, _output.Data);
        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor innerGrad = Inner.Backward(gradOutput);
        _gradInput = Tensor.Reuse(_gradInput, gradOutput.Shape);
        TensorPrimitives.Add(gradOutput.Data, innerGrad.Data, _gradInput.Data);
        return _gradInput;
    }
}
