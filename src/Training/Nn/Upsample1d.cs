namespace HeartStream.Training.Nn;

/// <summary>Nearest-neighbour upsampling ×2 over time (torch.nn.Upsample(scale_factor=2, mode='nearest')).</summary>
public sealed class Upsample1d : ILayer
{
    private int[] _inputShape = [];
    private Tensor? _output;
    private Tensor? _gradInput;

    public LayerKind Kind => LayerKind.Upsample1d;

    public int ScaleFactor => 2;

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(Upsample1d));
        _inputShape = input.Shape;
        int w = input.Dim(2);
        _output = Tensor.Reuse(_output, input.Dim(0), input.Dim(1), 2 * w);
        float[] x = input.Data, y = _output.Data;
        for (int i = 0; i < x.Length; i++)
        {
            y[2 * i] = x[i];
            y[(2 * i) + 1] = x[i];
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor output = _output ?? throw new InvalidOperationException("Upsample1d.Backward called before Forward.");
        if (!gradOutput.HasShape(output.Shape))
        {
            throw new ArgumentException($"Upsample1d gradient shape {gradOutput} does not match output {output}.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, _inputShape);
        float[] dx = _gradInput.Data, dy = gradOutput.Data;
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] = dy[2 * i] + dy[(2 * i) + 1];
        }

        return _gradInput;
    }
}
