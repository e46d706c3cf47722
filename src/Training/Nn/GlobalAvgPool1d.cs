namespace HeartStream.Training.Nn;

/// <summary>Mean over time: [N, C, W] → [N, C] (torch: x.mean(dim=2); ONNX: GlobalAveragePool + Flatten).</summary>
public sealed class GlobalAvgPool1d : ILayer
{
    private int[] _inputShape = [];
    private Tensor? _output;
    private Tensor? _gradInput;

    public LayerKind Kind => LayerKind.GlobalAvgPool1d;

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(GlobalAvgPool1d));
        _inputShape = input.Shape;
        int n = input.Dim(0), c = input.Dim(1), w = input.Dim(2);
        _output = Tensor.Reuse(_output, n, c);
        for (int r = 0; r < n * c; r++)
        {
            double sum = System.Numerics.Tensors.TensorPrimitives.Sum<float>(input.Data.AsSpan(r * w, w));
            _output.Data[r] = (float)(sum / w);
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor output = _output ?? throw new InvalidOperationException("GlobalAvgPool1d.Backward called before Forward.");
        if (!gradOutput.HasShape(output.Shape))
        {
            throw new ArgumentException($"GlobalAvgPool1d gradient shape {gradOutput} does not match output {output}.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, _inputShape);
        int w = _inputShape[2];
        for (int r = 0; r < gradOutput.Length; r++)
        {
            _gradInput.Data.AsSpan(r * w, w).Fill(gradOutput.Data[r] / w);
        }

        return _gradInput;
    }
}
