using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// A neural segmenter exported to ONNX ("features" [batch, C, time] → "posteriors" [batch, 4, time], softmax applied)
/// run over a whole recording in overlapping windows: windows are batched into one ORT call, and overlapping
/// posteriors are averaged with a tent weight (the centre of a window sees the most context, its edges the least).
/// A recording no longer than one window runs as a single item of its own length (the time axis is dynamic).
/// Buffers grow to the largest recording seen and are then reused. The session may be shared by several instances
/// (ORT runs are thread-safe), but one instance is not: use one per worker.
/// </summary>
/// <remarks>
/// A network with a bounded context (<see cref="ModelManifest.FutureFrames"/> and <see cref="ModelManifest.PastFrames"/>)
/// runs instead in windows that overlap by exactly its context: each frame takes its posteriors from the one window
/// that holds its whole receptive field, frames before the recording's start being zeros, as the live path feeds them
/// (<see cref="Live.NeuralSegmentationAnalyzer"/>). Live and offline then compute the same posteriors.
/// </remarks>
public sealed class OnnxEmissionModel : IEmissionModel, IDisposable
{
    private const string InputName = "features";
    private const string OutputName = "posteriors";
    private const int States = LogisticEmissionModel.States;
    private const float MinimumWeight = 0.05f;

    private readonly OnnxSession _session;
    private readonly bool _ownsSession;
    private readonly float[] _weights;
    private readonly long[] _inputShape = new long[3];
    private readonly long[] _outputShape = new long[3];
    private float[] _input = [];
    private float[] _output = [];
    private float[] _sum = [];
    private float[] _weightSum = [];
    private readonly int _past = -1;   // bounded context: past frames; -1 = tent-averaged windows

    /// <param name="session">A loaded segmenter; its input and output are checked here.</param>
    /// <param name="windowFrames">Frames per window (the length the model was trained on).</param>
    /// <param name="hopFrames">Step between windows; less than <paramref name="windowFrames"/> gives overlap.</param>
    /// <param name="batchSize">Windows per ORT call.</param>
    /// <param name="ownsSession">Whether <see cref="Dispose"/> disposes the session.</param>
    /// <param name="name">Name reported in <see cref="Name"/>.</param>
    /// <param name="context">A network's bounded context (past, future frames): windows then step by
    /// <paramref name="windowFrames"/> − past − future and <paramref name="hopFrames"/> is not used.</param>
    public OnnxEmissionModel(OnnxSession session, int windowFrames = 256, int hopFrames = 128, int batchSize = 8, bool ownsSession = false, string name = "neural", (int Past, int Future)? context = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 8);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hopFrames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hopFrames, windowFrames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        OnnxTensorInfo input = session.Inputs.FirstOrDefault(i => i.Name == InputName)
            ?? throw new InvalidDataException($"segmenter model has no input '{InputName}' (inputs: {string.Join(", ", session.InputNames)})");
        OnnxTensorInfo output = session.Outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new InvalidDataException($"segmenter model has no output '{OutputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        if (input.Dimensions.Count != 3 || input.Dimensions[1] < 1 || output.Dimensions.Count != 3 || output.Dimensions[1] != States)
        {
            throw new InvalidDataException(
                $"segmenter model must map [batch, C, time] to [batch, {States}, time]; it has input [{string.Join(", ", input.Dimensions)}] and output [{string.Join(", ", output.Dimensions)}]");
        }

        if (context is (int past, int future))
        {
            if (past < 0 || future < 0 || past + future >= windowFrames)
            {
                throw new ArgumentException($"a context of {past} past and {future} future frames must leave room in the window of {windowFrames} frames", nameof(context));
            }

            _past = past;
            hopFrames = windowFrames - past - future;
        }

        _session = session;
        _ownsSession = ownsSession;
        Channels = (int)input.Dimensions[1];
        WindowFrames = windowFrames;
        HopFrames = hopFrames;
        BatchSize = batchSize;
        Name = name;
        _weights = new float[windowFrames];
        float half = windowFrames / 2f;
        for (int i = 0; i < windowFrames; i++)
        {
            _weights[i] = Math.Max(MinimumWeight, 1f - (Math.Abs(i + 0.5f - half) / half));
        }
    }

    public string Name { get; }

    public int Channels { get; }

    public int WindowFrames { get; }

    /// <summary>Step between windows (with a bounded context: the window less the context).</summary>
    public int HopFrames { get; }

    /// <summary>Whether each frame comes from the one window holding its whole context (a bounded-context network).</summary>
    public bool UsesContextWindows => _past >= 0;

    public int BatchSize { get; }

    /// <summary>Loads a model file and owns its session.</summary>
    public static OnnxEmissionModel Load(string modelPath, int windowFrames = 256, int hopFrames = 128, string name = "neural")
    {
        OnnxSession session = OnnxSession.Load(modelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        try
        {
            return new OnnxEmissionModel(session, windowFrames, hopFrames, ownsSession: true, name: name);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Predict(ReadOnlySpan<float> features, Span<float> posteriors)
    {
        int c = Channels;
        int frames = EmissionArguments.Frames(features, posteriors, c);

        if (_past >= 0)
        {
            PredictInContext(features, posteriors, frames);
            return;
        }

        if (frames <= WindowFrames)
        {
            EnsureCapacity(frames, 1);
            Transpose(features, 0, frames, _input.AsSpan(0, c * frames));
            RunBatch(1, frames);
            for (int t = 0; t < frames; t++)
            {
                for (int s = 0; s < States; s++)
                {
                    posteriors[(t * States) + s] = _output[(s * frames) + t];
                }
            }

            return;
        }

        int w = WindowFrames;
        EnsureCapacity(w, BatchSize);
        if (_sum.Length < frames * States)
        {
            _sum = new float[frames * States];
            _weightSum = new float[frames];
        }

        Array.Clear(_sum, 0, frames * States);
        Array.Clear(_weightSum, 0, frames);
        int windows = ((frames - w + HopFrames - 1) / HopFrames) + 1; // the last window is aligned to the end
        for (int first = 0; first < windows; first += BatchSize)
        {
            int count = Math.Min(BatchSize, windows - first);
            for (int b = 0; b < count; b++)
            {
                Transpose(features, Start(first + b, windows, frames), w, _input.AsSpan(b * c * w, c * w));
            }

            RunBatch(count, w);
            for (int b = 0; b < count; b++)
            {
                int start = Start(first + b, windows, frames);
                for (int i = 0; i < w; i++)
                {
                    int t = start + i;
                    float weight = _weights[i];
                    _weightSum[t] += weight;
                    for (int s = 0; s < States; s++)
                    {
                        _sum[(t * States) + s] += weight * _output[(((b * States) + s) * w) + i];
                    }
                }
            }
        }

        for (int t = 0; t < frames; t++)
        {
            float inv = 1f / _weightSum[t];
            for (int s = 0; s < States; s++)
            {
                posteriors[(t * States) + s] = _sum[(t * States) + s] * inv;
            }
        }
    }

    /// <summary>
    /// Window k starts at k·hop − past (zeros outside the recording) and gives frames k·hop .. k·hop + hop − 1, each
    /// with its whole receptive field inside the window.
    /// </summary>
    private void PredictInContext(ReadOnlySpan<float> features, Span<float> posteriors, int frames)
    {
        int c = Channels, w = WindowFrames, hop = HopFrames;
        EnsureCapacity(w, BatchSize);
        int windows = (frames + hop - 1) / hop;
        for (int first = 0; first < windows; first += BatchSize)
        {
            int count = Math.Min(BatchSize, windows - first);
            for (int b = 0; b < count; b++)
            {
                int start = ((first + b) * hop) - _past;
                Span<float> input = _input.AsSpan(b * c * w, c * w);
                input.Clear();
                int from = Math.Max(0, start), to = Math.Min(frames, start + w);
                for (int t = from; t < to; t++)
                {
                    for (int k = 0; k < c; k++)
                    {
                        input[(k * w) + (t - start)] = features[(t * c) + k];
                    }
                }
            }

            RunBatch(count, w);
            for (int b = 0; b < count; b++)
            {
                int first0 = (first + b) * hop;
                int last = Math.Min(frames, first0 + hop);
                for (int t = first0; t < last; t++)
                {
                    int p = t - first0 + _past;
                    for (int s = 0; s < States; s++)
                    {
                        posteriors[(t * States) + s] = _output[(((b * States) + s) * w) + p];
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }

    private int Start(int index, int windows, int frames) => index == windows - 1 ? frames - WindowFrames : index * HopFrames;

    /// <summary>Frame-major [time, C] rows <paramref name="start"/>.. into channel-major [C, length].</summary>
    private void Transpose(ReadOnlySpan<float> features, int start, int length, Span<float> destination)
    {
        int c = Channels;
        for (int t = 0; t < length; t++)
        {
            int src = (start + t) * c;
            for (int k = 0; k < c; k++)
            {
                destination[(k * length) + t] = features[src + k];
            }
        }
    }

    private void RunBatch(int batch, int length)
    {
        _inputShape[0] = batch;
        _inputShape[1] = Channels;
        _inputShape[2] = length;
        _outputShape[0] = batch;
        _outputShape[1] = States;
        _outputShape[2] = length;
        _session.Run(InputName, _input.AsSpan(0, batch * Channels * length), _inputShape, OutputName, _output.AsSpan(0, batch * States * length), _outputShape);
    }

    private void EnsureCapacity(int length, int batch)
    {
        if (_input.Length < batch * Channels * length)
        {
            _input = new float[batch * Channels * length];
        }

        if (_output.Length < batch * States * length)
        {
            _output = new float[batch * States * length];
        }
    }
}
