using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// A centred neural segmenter served over a whole recording exactly as the live service serves it
/// (<see cref="NeuralStreamingOptions"/>: live window, hop, emission look-ahead, averaging), through the same
/// <see cref="LiveWindowPosteriors"/> as <see cref="Live.NeuralSegmentationAnalyzer"/>: each frame sees the future the
/// latency budget allows live, not the several seconds a whole-recording pass could give it. The offline analyser then
/// differs from the live stream only in its decoder (the heart rate chosen over the whole recording, no look-ahead
/// limit), so `heartstream analyze` reports what the monitor reported (docs/PERFORMANCE.md, "Where live and offline
/// differ"). <see cref="OnnxEmissionModel"/> is the whole-context pass (<c>analyze --context full</c>).
/// </summary>
/// <remarks>One window per ORT call (the live window is short); the window buffers are reused across calls, the
/// windowing state (a few KB) is made per recording. Not thread-safe; the session may be shared.</remarks>
public sealed class LiveContextEmissionModel : IEmissionModel
{
    private const string InputName = "features";
    private const string OutputName = "posteriors";
    private const int States = LogisticEmissionModel.States;

    private readonly OnnxSession _session;
    private readonly NeuralStreamingOptions _options;
    private readonly int _window;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;

    /// <param name="session">A loaded centred segmenter ("features" [batch, C, time] → "posteriors" [batch, 4, time]).</param>
    /// <param name="channels">Feature channels per frame.</param>
    /// <param name="modelWindowFrames">The model's training window (used when the options' window is 0).</param>
    /// <param name="options">The live serving options; <see cref="NeuralStreamingOptions.Default"/> when null.</param>
    /// <param name="name">Name reported in <see cref="Name"/>.</param>
    public LiveContextEmissionModel(OnnxSession session, int channels, int modelWindowFrames, NeuralStreamingOptions? options = null, string name = "neural")
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        options ??= NeuralStreamingOptions.Default;
        options.Validate(modelWindowFrames);
        _session = session;
        _options = options;
        _window = options.ResolveWindowFrames(modelWindowFrames);
        Channels = channels;
        Name = name;
        _input = new float[channels * _window];
        _output = new float[States * _window];
        _inputShape = [1, channels, _window];
        _outputShape = [1, States, _window];
    }

    public string Name { get; }

    public int Channels { get; }

    /// <summary>The live serving options this model reproduces.</summary>
    public NeuralStreamingOptions Options => _options;

    public void Predict(ReadOnlySpan<float> features, Span<float> posteriors)
    {
        int c = Channels;
        int frames = EmissionArguments.Frames(features, posteriors, c);

        // Frames arrive a hop at a time, as a stream's would (where they are appended does not change the windows).
        int hop = _options.HopFrames;
        var windows = new LiveWindowPosteriors(c, _window, _options, hop);
        int appended = 0;
        while (true)
        {
            bool final = appended == frames;
            while (windows.NextWindow(final, out long end, out long until))
            {
                windows.FillWindow(end, _input);
                _session.Run(InputName, _input, _inputShape, OutputName, _output, _outputShape);
                int from = (int)windows.Emitted;
                windows.Emit(end, until, _output, posteriors[(from * States)..]);
            }

            if (final)
            {
                break;
            }

            int n = Math.Min(hop, frames - appended);
            windows.Append(features.Slice(appended * c, n * c));
            appended += n;
        }
    }
}
