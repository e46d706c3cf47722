using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace HeartStream.Training.Nn;

/// <summary>max(x, 0), any rank. The gradient at exactly 0 is 0, as in torch.</summary>
public sealed class Relu : ILayer
{
    private Tensor? _output;
    private Tensor? _gradInput;

    public LayerKind Kind => LayerKind.Relu;

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        _output = Tensor.Reuse(_output, input.Shape);
        TensorPrimitives.Max(input.Data, 0f, _output.Data);
        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor output = _output ?? throw new InvalidOperationException("Relu.Backward called before Forward.");
        if (!gradOutput.HasShape(output.Shape))
        {
            throw new ArgumentException($"Relu gradient shape {gradOutput} does not match output {output}.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, output.Shape);
        float[] y = output.Data, dy = gradOutput.Data, dx = _gradInput.Data;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y.AsSpan());
            ReadOnlySpan<Vector<float>> dyv = MemoryMarshal.Cast<float, Vector<float>>(dy.AsSpan());
            Span<Vector<float>> dxv = MemoryMarshal.Cast<float, Vector<float>>(dx.AsSpan());
            for (int v = 0; v < dxv.Length; v++)
            {
                dxv[v] = Vector.ConditionalSelect(Vector.GreaterThan(yv[v], Vector<float>.Zero), dyv[v], Vector<float>.Zero);
            }

            i = dxv.Length * Vector<float>.Count;
        }

        for (; i < dx.Length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }

        return _gradInput;
    }
}
