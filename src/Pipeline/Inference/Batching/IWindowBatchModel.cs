namespace HeartStream.Pipeline.Inference.Batching;

/// <summary>
/// A model that maps a batch of fixed-length windows, [batch, InputChannels, WindowFrames] channel-major, to
/// [batch, OutputChannels, WindowFrames]: what <see cref="BatchedInferenceStage"/> runs. ONNX Runtime in production
/// (<see cref="OnnxWindowBatchModel"/>); tests plug in fakes that count or fail runs.
/// </summary>
public interface IWindowBatchModel
{
    /// <summary>A short name for error messages ("segmenter-tcn 1.0.0").</summary>
    string Name { get; }

    /// <summary>Values per frame of a window's input.</summary>
    int InputChannels { get; }

    /// <summary>Values per frame of a window's output.</summary>
    int OutputChannels { get; }

    /// <summary>Frames per window.</summary>
    int WindowFrames { get; }

    /// <summary>
    /// Runs <paramref name="batch"/> windows at once: <paramref name="input"/> holds batch × InputChannels × WindowFrames
    /// values, <paramref name="output"/> receives batch × OutputChannels × WindowFrames. Called from one thread at a time.
    /// </summary>
    void Run(ReadOnlySpan<float> input, int batch, Span<float> output);
}
