using System.Diagnostics;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Live window classification of one device with one model: keeps the last <see cref="LiveClassifierModel.WindowFrames"/>
/// normalised frames the segmenter released, classifies them every <see cref="IntervalFrames"/> frames (5 s by
/// default) with the model's shared session, and reports the mean of the last <see cref="AveragedWindows"/> window
/// results (30 s by default), as the offline recording-level result is the mean over a recording's windows.
/// </summary>
/// <remarks>
/// <para>The first window is classified as soon as a full window exists (never a padded one), then every interval;
/// no frames (silence at the source, a stalled device) means no results. A frame index that does not follow the
/// previous one (the analyzer was reset) starts over: the window and the average are forgotten.</para>
/// <para>Results queue (up to <see cref="MaxPendingResults"/>; the oldest is dropped beyond) until the analysis stage
/// reads them with <see cref="TryRead"/> after each push. Every buffer is sized in the constructor: a frame, a
/// classification and a read allocate nothing. Not thread-safe: one instance per device and model, called on the
/// device's analysis thread.</para>
/// </remarks>
public sealed class LiveWindowClassifier : ILiveClassifier
{
    /// <summary>Results kept until read; more than this many classifications within one push drop the oldest.</summary>
    public const int MaxPendingResults = 8;

    private const string InputName = "features";
    private const string OutputName = "probabilities";

    private readonly LiveClassifierModel _model;
    private readonly int _channels;
    private readonly int _window;
    private readonly int _classes;
    private readonly double _frameRate;
    private readonly float[] _ring;        // last _window frames, frame-major, slot = frame index % _window
    private readonly float[] _input;       // [1, C, W] channel-major, oldest frame first
    private readonly float[] _output;      // [1, classes]
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;
    private readonly float[] _history;     // last AveragedWindows results, ring of _classes-long rows
    private readonly float[] _pending;     // queued means, ring of _classes-long rows
    private readonly double[] _pendingSeconds;
    private long _nextFrame;               // index of the frame expected next
    private long _count;                   // frames since the last start-over
    private long _classifyAt;              // _count at which the next classification runs
    private int _historyCount;
    private int _historyNext;
    private int _pendingHead;
    private int _pendingCount;

    /// <param name="model">The shared model.</param>
    /// <param name="intervalSeconds">Stream seconds between two classifications (0.1 .. 600).</param>
    /// <param name="averageSeconds">
    /// Trailing span the reported probabilities average over: the mean of the last max(1, round(average / interval))
    /// window results (30 s / 5 s = 6 windows spanning 30.1 s).
    /// </param>
    /// <param name="frameRate">Feature frames per second (<see cref="AnalysisRate.FrameRate"/>).</param>
    public LiveWindowClassifier(LiveClassifierModel model, double intervalSeconds = 5, double averageSeconds = 30, double frameRate = AnalysisRate.FrameRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(intervalSeconds >= 0.1 && intervalSeconds <= 600))
        {
            throw new ArgumentOutOfRangeException(nameof(intervalSeconds), intervalSeconds, "The classification interval must be 0.1 .. 600 s.");
        }

        if (!(averageSeconds >= 0 && averageSeconds <= 3600))
        {
            throw new ArgumentOutOfRangeException(nameof(averageSeconds), averageSeconds, "The averaging span must be 0 .. 3600 s.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameRate);
        _model = model;
        _channels = model.Channels;
        _window = model.WindowFrames;
        _classes = model.Classes.Count;
        _frameRate = frameRate;
        IntervalFrames = Math.Max(1, (int)Math.Round(intervalSeconds * frameRate));
        AveragedWindows = Math.Max(1, (int)Math.Round(averageSeconds / intervalSeconds));
        _ring = new float[_window * _channels];
        _input = new float[_channels * _window];
        _output = new float[_classes];
        _inputShape = [1, _channels, _window];
        _outputShape = [1, _classes];
        _history = new float[AveragedWindows * _classes];
        _pending = new float[MaxPendingResults * _classes];
        _pendingSeconds = new double[MaxPendingResults];
        _classifyAt = _window;
    }

    public LiveClassifierModel Model => _model;

    /// <inheritdoc />
    public string Identity => _model.Identity;

    /// <inheritdoc />
    public int ResultLength => _classes;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Name(ReadOnlySpan<float> result) => _model.ToDictionary(result);

    /// <summary>Frames between two classifications.</summary>
    public int IntervalFrames { get; }

    /// <summary>Window results averaged into one reported result.</summary>
    public int AveragedWindows { get; }

    /// <summary>Windows classified so far.</summary>
    public long Classifications { get; private set; }

    /// <summary>Results dropped because more than <see cref="MaxPendingResults"/> were waiting.</summary>
    public long DroppedResults { get; private set; }

    /// <summary>Why the classifier stopped (the model failed to run), or null; a failed classifier reports nothing more.</summary>
    public string? Failure { get; private set; }

    /// <summary>Results waiting for <see cref="TryRead"/>.</summary>
    public int PendingResults => _pendingCount;

    /// <inheritdoc />
    public void OnFrames(ReadOnlySpan<float> frames, int channels, long firstFrame)
    {
        if (channels != _channels)
        {
            throw new ArgumentException($"classifier {_model.Identity} reads {_channels}-channel frames; the analyzer releases {channels}-channel frames", nameof(channels));
        }

        if (firstFrame != _nextFrame)
        {
            StartOver();
            _nextFrame = firstFrame;
        }

        int n = frames.Length / channels;
        for (int f = 0; f < n; f++)
        {
            frames.Slice(f * channels, channels).CopyTo(_ring.AsSpan((int)(_nextFrame % _window) * channels, channels));
            _nextFrame++;
            _count++;
            if (_count >= _classifyAt && Failure is null)
            {
                Classify();
                _classifyAt = _count + IntervalFrames;
            }
        }
    }

    /// <summary>
    /// Takes the oldest waiting result: the stream time of the end of its window (seconds since the analyzer's first
    /// sample) and the averaged probabilities (<see cref="LiveClassifierModel.Classes"/> values, in class order).
    /// </summary>
    public bool TryRead(out double streamSeconds, Span<float> probabilities)
    {
        if (probabilities.Length != _classes)
        {
            throw new ArgumentException($"probabilities must hold {_classes} values, got {probabilities.Length}", nameof(probabilities));
        }

        if (_pendingCount == 0)
        {
            streamSeconds = 0;
            return false;
        }

        streamSeconds = _pendingSeconds[_pendingHead];
        _pending.AsSpan(_pendingHead * _classes, _classes).CopyTo(probabilities);
        _pendingHead = (_pendingHead + 1) % MaxPendingResults;
        _pendingCount--;
        return true;
    }

    private void StartOver()
    {
        _count = 0;
        _classifyAt = _window;
        _historyCount = 0;
        _historyNext = 0;
    }

    private void Classify()
    {
        // Oldest frame of the window sits in the slot the next frame will overwrite.
        int oldest = (int)(_nextFrame % _window);
        for (int t = 0; t < _window; t++)
        {
            int src = ((oldest + t) % _window) * _channels;
            for (int k = 0; k < _channels; k++)
            {
                _input[(k * _window) + t] = _ring[src + k];
            }
        }

        try
        {
            _model.Session.Run(InputName, _input, _inputShape, OutputName, _output, _outputShape);
        }
        catch (OnnxRuntimeException e)
        {
            Failure = $"classifier {_model.Identity} failed: {e.Message}";
            HeartStreamMetrics.AddClassifierFailure(_model.Name);
            return;
        }

        Classifications++;
        _output.CopyTo(_history.AsSpan(_historyNext * _classes, _classes));
        _historyNext = (_historyNext + 1) % AveragedWindows;
        _historyCount = Math.Min(_historyCount + 1, AveragedWindows);

        if (_pendingCount == MaxPendingResults)
        {
            _pendingHead = (_pendingHead + 1) % MaxPendingResults;
            _pendingCount--;
            DroppedResults++;
        }

        int slot = (_pendingHead + _pendingCount) % MaxPendingResults;
        Span<float> mean = _pending.AsSpan(slot * _classes, _classes);
        mean.Clear();
        for (int h = 0; h < _historyCount; h++)
        {
            ReadOnlySpan<float> row = _history.AsSpan(h * _classes, _classes);
            for (int k = 0; k < _classes; k++)
            {
                mean[k] += row[k];
            }
        }

        for (int k = 0; k < _classes; k++)
        {
            mean[k] /= _historyCount;
        }

        _pendingSeconds[slot] = _nextFrame / _frameRate;
        _pendingCount++;
        Debug.Assert(_pendingCount <= MaxPendingResults, "pending ring overflow");
    }
}
