namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// A window classifier exported to ONNX ("features" [batch, C, time] → "probabilities" [batch, classes], softmax
/// applied) run over a whole recording: windows of <see cref="WindowFrames"/> frames every <see cref="HopFrames"/>
/// (the last aligned to the end), batched, and the recording's probabilities are the mean of its windows'. A recording
/// shorter than a window is tiled (repeated) to a full window, as in training, so the pooled statistics keep their
/// scale. The session may be shared; one instance is not thread-safe.
/// </summary>
public sealed class OnnxWindowClassifier : IDisposable
{
    private const string InputName = "features";
    private const string OutputName = "probabilities";

    private readonly OnnxSession _session;
    private readonly bool _ownsSession;
    private readonly long[] _inputShape = new long[3];
    private readonly long[] _outputShape = new long[2];
    private readonly float[] _input;
    private readonly float[] _output;

    public OnnxWindowClassifier(OnnxSession session, int windowFrames = 256, int hopFrames = 128, int batchSize = 8, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 8);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hopFrames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        OnnxTensorInfo input = session.Inputs.FirstOrDefault(i => i.Name == InputName)
            ?? throw new InvalidDataException($"classifier model has no input '{InputName}' (inputs: {string.Join(", ", session.InputNames)})");
        OnnxTensorInfo output = session.Outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new InvalidDataException($"classifier model has no output '{OutputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        if (input.Dimensions.Count != 3 || input.Dimensions[1] < 1 || output.Dimensions.Count != 2 || output.Dimensions[1] < 2)
        {
            throw new InvalidDataException(
                $"classifier model must map [batch, C, time] to [batch, classes]; it has input [{string.Join(", ", input.Dimensions)}] and output [{string.Join(", ", output.Dimensions)}]");
        }

        _session = session;
        _ownsSession = ownsSession;
        Channels = (int)input.Dimensions[1];
        Classes = (int)output.Dimensions[1];
        WindowFrames = windowFrames;
        HopFrames = hopFrames;
        BatchSize = batchSize;
        _input = new float[batchSize * Channels * windowFrames];
        _output = new float[batchSize * Classes];
    }

    public int Channels { get; }

    public int Classes { get; }

    public int WindowFrames { get; }

    public int HopFrames { get; }

    public int BatchSize { get; }

    /// <summary>Writes the recording's mean window probabilities (<see cref="Classes"/> values) for frame-major features.</summary>
    public void Predict(ReadOnlySpan<float> features, Span<float> probabilities)
    {
        int c = Channels;
        if (features.Length == 0 || features.Length % c != 0)
        {
            throw new ArgumentException($"features must be a positive number of {c}-channel frames, got {features.Length} values", nameof(features));
        }

        if (probabilities.Length != Classes)
        {
            throw new ArgumentException($"probabilities must hold {Classes} values, got {probabilities.Length}", nameof(probabilities));
        }

        int frames = features.Length / c;
        int w = WindowFrames;
        int windows = frames <= w ? 1 : ((frames - w + HopFrames - 1) / HopFrames) + 1;
        probabilities.Clear();
        for (int first = 0; first < windows; first += BatchSize)
        {
            int count = Math.Min(BatchSize, windows - first);
            for (int b = 0; b < count; b++)
            {
                int index = first + b;
                int start = frames <= w ? 0 : index == windows - 1 ? frames - w : index * HopFrames;
                Span<float> destination = _input.AsSpan(b * c * w, c * w);
                for (int t = 0; t < w; t++)
                {
                    int src = ((start + t) % frames) * c; // tiles a short recording; a long one never wraps
                    for (int k = 0; k < c; k++)
                    {
                        destination[(k * w) + t] = features[src + k];
                    }
                }
            }

            _inputShape[0] = count;
            _inputShape[1] = c;
            _inputShape[2] = w;
            _outputShape[0] = count;
            _outputShape[1] = Classes;
            _session.Run(InputName, _input.AsSpan(0, count * c * w), _inputShape, OutputName, _output.AsSpan(0, count * Classes), _outputShape);
            for (int b = 0; b < count; b++)
            {
                for (int k = 0; k < Classes; k++)
                {
                    probabilities[k] += _output[(b * Classes) + k];
                }
            }
        }

        for (int k = 0; k < Classes; k++)
        {
            probabilities[k] /= windows;
        }
    }

    public void Dispose()
    {
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }
}
