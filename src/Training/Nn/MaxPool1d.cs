namespace HeartStream.Training.Nn;

/// <summary>
/// Max pooling with kernel 2, stride 2 over time (torch.nn.MaxPool1d(2)); an odd last frame is dropped (floor).
/// Ties go to the first element, as in torch; the gradient flows to the chosen element only.
/// </summary>
public sealed class MaxPool1d : ILayer
{
    private int[] _argmax = [];
    private int[] _inputShape = [];
    private Tensor? _output;
    private Tensor? _gradInput;

    public LayerKind Kind => LayerKind.MaxPool1d;

    public int KernelSize => 2;

    public int Stride => 2;

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(MaxPool1d));
        int n = input.Dim(0), c = input.Dim(1), w = input.Dim(2);
        if (w < 2)
        {
            throw new ArgumentException($"MaxPool1d needs at least 2 frames, got {w}.", nameof(input));
        }

        int outW = w / 2;
        _inputShape = input.Shape;
        _output = Tensor.Reuse(_output, n, c, outW);
        if (_argmax.Length != _output.Length)
        {
            _argmax = new int[_output.Length];
        }

        float[] x = input.Data, y = _output.Data;
        int rows = n * c;
        for (int r = 0; r < rows; r++)
        {
            int inBase = r * w, outBase = r * outW;
            for (int t = 0; t < outW; t++)
            {
                int i0 = inBase + (2 * t);
                float a = x[i0], b = x[i0 + 1];
                bool second = b > a || float.IsNaN(b);
                y[outBase + t] = second ? b : a;
                _argmax[outBase + t] = second ? i0 + 1 : i0;
            }
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor output = _output ?? throw new InvalidOperationException("MaxPool1d.Backward called before Forward.");
        if (!gradOutput.HasShape(output.Shape))
        {
            throw new ArgumentException($"MaxPool1d gradient shape {gradOutput} does not match output {output}.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, _inputShape);
        float[] dx = _gradInput.Data, dy = gradOutput.Data;
        Array.Clear(dx);
        for (int i = 0; i < dy.Length; i++)
        {
            dx[_argmax[i]] += dy[i];
        }

        return _gradInput;
    }
}
