namespace HeartStream.Training.Nn;

/// <summary>
/// Inverted dropout: in training, zeroes each element with probability <see cref="Probability"/> and scales the rest
/// by 1/(1-p); identity at eval (so it exports as nothing). The mask comes from a seeded <see cref="Random"/> drawn
/// sequentially, so a seed reproduces a run exactly.
/// </summary>
public sealed class Dropout : ILayer
{
    private readonly Random _random;
    private float[] _mask = [];
    private Tensor? _output;
    private Tensor? _gradInput;
    private bool _lastTraining;

    public Dropout(double probability, int seed)
    {
        if (probability is < 0 or >= 1 || double.IsNaN(probability))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout probability must be in [0, 1).");
        }

        Probability = probability;
        _random = new Random(seed);
    }

    public LayerKind Kind => LayerKind.Dropout;

    public double Probability { get; }

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        _lastTraining = training && Probability > 0;
        if (!_lastTraining)
        {
            return input;
        }

        if (_mask.Length != input.Length)
        {
            _mask = new float[input.Length];
        }

        float keepScale = (float)(1.0 / (1.0 - Probability));
        for (int i = 0; i < _mask.Length; i++)
        {
            _mask[i] = _random.NextDouble() < Probability ? 0f : keepScale;
        }

        _output = Tensor.Reuse(_output, input.Shape);
        System.Numerics.Tensors.TensorPrimitives.Multiply(input.Data, _mask, _output.Data);
        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        if (!_lastTraining)
        {
            return gradOutput;
        }

        if (gradOutput.Length != _mask.Length)
        {
            throw new ArgumentException($"Dropout gradient shape {gradOutput} does not match its last output.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, gradOutput.Shape);
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradOutput.Data, _mask, _gradInput.Data);
        return _gradInput;
    }
}
