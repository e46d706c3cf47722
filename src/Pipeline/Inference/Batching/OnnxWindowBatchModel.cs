namespace HeartStream.Pipeline.Inference.Batching;

/// <summary>
/// A segmenter's ONNX session as an <see cref="IWindowBatchModel"/>: input "features" [batch, C, time], output
/// "posteriors" [batch, 4, time], every window <see cref="WindowFrames"/> long: the model's training window or, since the
/// time axis is dynamic, a shorter live window (cheaper per hop). Shapes are checked here, once, so a wrong model or a
/// window its fixed time axis cannot take fails at load with a message and not inside a batch. Allocation-free per run.
/// </summary>
public sealed class OnnxWindowBatchModel : IWindowBatchModel, IDisposable
{
    private const string InputName = "features";
    private const string OutputName = "posteriors";

    private readonly OnnxSession _session;
    private readonly IDisposable? _owner;
    private readonly long[] _inputShape = new long[3];
    private readonly long[] _outputShape = new long[3];

    /// <param name="session">A loaded segmenter.</param>
    /// <param name="windowFrames">Frames per window.</param>
    /// <param name="owner">Disposed with this model (the session itself, or the object owning it); null to own nothing.</param>
    /// <param name="name">Name used in error messages.</param>
    public OnnxWindowBatchModel(OnnxSession session, int windowFrames, IDisposable? owner = null, string name = "neural")
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 1);
        OnnxTensorInfo input = session.Inputs.FirstOrDefault(i => i.Name == InputName)
            ?? throw new InvalidDataException($"segmenter model has no input '{InputName}' (inputs: {string.Join(", ", session.InputNames)})");
        OnnxTensorInfo output = session.Outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new InvalidDataException($"segmenter model has no output '{OutputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        if (input.Dimensions.Count != 3 || input.Dimensions[1] < 1 || output.Dimensions.Count != 3 || output.Dimensions[1] < 1)
        {
            throw new InvalidDataException(
                $"segmenter model must map [batch, C, time] to [batch, S, time]; it has input [{string.Join(", ", input.Dimensions)}] and output [{string.Join(", ", output.Dimensions)}]");
        }

        if ((input.Dimensions[2] > 0 && input.Dimensions[2] != windowFrames) || (output.Dimensions[2] > 0 && output.Dimensions[2] != windowFrames))
        {
            throw new InvalidDataException(
                $"segmenter model has a fixed time axis (input [{string.Join(", ", input.Dimensions)}], output [{string.Join(", ", output.Dimensions)}]) and cannot run windows of {windowFrames} frames");
        }

        _session = session;
        _owner = owner;
        Name = name;
        InputChannels = (int)input.Dimensions[1];
        OutputChannels = (int)output.Dimensions[1];
        WindowFrames = windowFrames;
    }

    public string Name { get; }

    public int InputChannels { get; }

    public int OutputChannels { get; }

    public int WindowFrames { get; }

    public void Run(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        _inputShape[0] = batch;
        _inputShape[1] = InputChannels;
        _inputShape[2] = WindowFrames;
        _outputShape[0] = batch;
        _outputShape[1] = OutputChannels;
        _outputShape[2] = WindowFrames;
        _session.Run(InputName, input[..(batch * InputChannels * WindowFrames)], _inputShape, OutputName, output[..(batch * OutputChannels * WindowFrames)], _outputShape);
    }

    public void Dispose() => _owner?.Dispose();
}
