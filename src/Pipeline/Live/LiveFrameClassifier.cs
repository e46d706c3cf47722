using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Live murmur classification of one device with a <see cref="FrameClassifierModel"/>: a spectrogram of the device's
/// 2 kHz audio (<see cref="StreamingSpectrogram"/>, fed by <see cref="OnAudio"/>) next to the segmenter's normalised
/// envelope frames (<see cref="OnFrames"/>) make the model's input frames, as <see cref="SpectralFeatures"/> builds
/// them offline. Every <see cref="IntervalFrames"/> frames the last window is classified frame by frame; the frames new
/// since the previous run add their murmur evidence to a trailing span of about AverageSeconds, and a result is
/// queued: [P(murmur), score, Present, Unknown, Absent] (<see cref="FrameClassifierModel.ResultNames"/>).
/// </summary>
/// <remarks>
/// <para>"Cannot tell": until the span holds <see cref="MurmurRule.MinHeardSeconds"/> of audio heard with the rule's
/// minimum confidence, the result is [NaN, NaN, 0, 1, 0]: Unknown, and no probability, so the alert engine treats the
/// condition as unknown rather than absent or present.</para>
/// <para>A frame index that does not follow the previous one (the analyzer was reset) starts over, as does audio
/// that does not follow. Every buffer is sized in the constructor (the window scratch once per analysis thread):
/// audio, frames and a classification allocate nothing. Not thread-safe: one instance per device, on the device's
/// analysis thread.</para>
/// </remarks>
public sealed class LiveFrameClassifier : ILiveClassifier
{
    /// <summary>Results kept until read; more within one push drop the oldest.</summary>
    public const int MaxPendingResults = 8;

    private const int AudioBlock = 1024;      // samples handed to the spectrogram at once: bounds its output buffer
    private const int SpectrumLeadFrames = 128; // how far the spectrogram may run ahead of the envelope frames (2.6 s; it leads by the front end's latency, < 1 s)

    private readonly FrameClassifierModel _model;
    private readonly StreamingSpectrogram _spectrogram;
    private readonly int _envChannels;
    private readonly int _bins;
    private readonly int _channels;
    private readonly int _window;
    private readonly int _classes;
    private readonly int _ringFrames;
    private readonly double _frameRate;
    private readonly float[] _envRing;
    private readonly float[] _specRing;
    private readonly float[] _specBlock;
    // The window and its posteriors (50 KB with the defaults) are scratch of the analysis thread, not of the device:
    // Classify runs synchronously on the device's analysis thread, so devices on one thread can share them.
    [ThreadStatic]
    private static float[]? t_input;
    [ThreadStatic]
    private static float[]? t_output;
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;
    private readonly MurmurEvidence[] _blocks;  // evidence of the last AveragedRuns runs
    private readonly float[] _pending;
    private readonly double[] _pendingSeconds;
    private MurmurEvidence _span;
    private long _nextFrame;
    private long _nextSample;
    private long _specFrames;
    private long _count;
    private long _classifyAt;
    private long _counted;   // frames (absolute index) whose evidence is in the span already
    private int _blockCount;
    private int _blockNext;
    private int _pendingHead;
    private int _pendingCount;

    /// <param name="model">The shared model.</param>
    /// <param name="intervalSeconds">Stream seconds between two runs (0.1 .. 600); at most the window's length is useful.</param>
    /// <param name="averageSeconds">Trailing span the evidence sums over: the last max(1, round(average / interval)) runs.</param>
    /// <param name="frameRate">Feature frames per second.</param>
    public LiveFrameClassifier(FrameClassifierModel model, double intervalSeconds = 5, double averageSeconds = 30, double frameRate = AnalysisRate.FrameRate)
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
        _spectrogram = new StreamingSpectrogram(model.Spectrum);
        _envChannels = model.Envelope.Channels;
        _bins = model.Spectrum.Bins;
        _channels = model.Channels;
        _window = model.WindowFrames;
        _classes = model.Classes.Count;
        _frameRate = frameRate;
        _ringFrames = _window + SpectrumLeadFrames;
        IntervalFrames = Math.Max(1, (int)Math.Round(intervalSeconds * frameRate));
        AveragedRuns = Math.Max(1, (int)Math.Round(averageSeconds / intervalSeconds));
        _envRing = new float[_ringFrames * _envChannels];
        _specRing = new float[_ringFrames * _bins];
        _specBlock = new float[((AudioBlock / model.Spectrum.HopSamples) + 2) * _bins];
        _inputShape = [1, _channels, _window];
        _outputShape = [1, _classes, _window];
        _blocks = new MurmurEvidence[AveragedRuns];
        _pending = new float[MaxPendingResults * ResultLength];
        _pendingSeconds = new double[MaxPendingResults];
        _classifyAt = _window;
    }

    public FrameClassifierModel Model => _model;

    /// <inheritdoc />
    public string Identity => _model.Identity;

    /// <inheritdoc />
    public int ResultLength => FrameClassifierModel.ResultNames.Count;

    /// <summary>Frames between two runs.</summary>
    public int IntervalFrames { get; }

    /// <summary>Runs whose evidence the trailing span sums.</summary>
    public int AveragedRuns { get; }

    /// <summary>Windows classified so far.</summary>
    public long Classifications { get; private set; }

    /// <summary>Runs skipped because the spectrogram had not reached the window's end (end of stream) or ran too far ahead.</summary>
    public long SkippedRuns { get; private set; }

    /// <summary>Results dropped because more than <see cref="MaxPendingResults"/> were waiting.</summary>
    public long DroppedResults { get; private set; }

    /// <inheritdoc />
    public string? Failure { get; private set; }

    /// <summary>The evidence in the trailing span now.</summary>
    public MurmurEvidence Span => _span;

    /// <inheritdoc />
    public void OnAudio(ReadOnlySpan<float> audio, long firstSample)
    {
        if (firstSample != _nextSample)
        {
            _spectrogram.Reset();
            _specFrames = 0;
            _nextSample = firstSample;
            if (firstSample != 0)
            {
                // Audio that does not start at the stream's start cannot be aligned with its frames: wait for a reset.
                _specFrames = long.MinValue / 2;
            }
        }

        for (int offset = 0; offset < audio.Length; offset += AudioBlock)
        {
            ReadOnlySpan<float> block = audio.Slice(offset, Math.Min(AudioBlock, audio.Length - offset));
            int n = _spectrogram.Process(block, _specBlock);
            for (int f = 0; f < n; f++)
            {
                long index = _specFrames + f;
                if (index >= 0)
                {
                    _specBlock.AsSpan(f * _bins, _bins).CopyTo(_specRing.AsSpan((int)(index % _ringFrames) * _bins, _bins));
                }
            }

            _specFrames += n;
        }

        _nextSample += audio.Length;
    }

    /// <inheritdoc />
    public void OnFrames(ReadOnlySpan<float> frames, int channels, long firstFrame)
    {
        if (channels != _envChannels)
        {
            throw new ArgumentException($"classifier {_model.Identity} reads {_envChannels}-channel envelope frames; the analyzer releases {channels}-channel frames", nameof(channels));
        }

        if (firstFrame != _nextFrame)
        {
            StartOver();
            _nextFrame = firstFrame;
            _counted = firstFrame;
        }

        int n = frames.Length / channels;
        for (int f = 0; f < n; f++)
        {
            frames.Slice(f * channels, channels).CopyTo(_envRing.AsSpan((int)(_nextFrame % _ringFrames) * channels, channels));
            _nextFrame++;
            _count++;
            if (_count >= _classifyAt && Failure is null)
            {
                if (_specFrames >= _nextFrame)
                {
                    Classify();
                    _classifyAt = _count + IntervalFrames;
                }
                else if (_specFrames < 0)
                {
                    SkippedRuns++;
                    _classifyAt = _count + IntervalFrames;
                }
            }
        }
    }

    /// <inheritdoc />
    public bool TryRead(out double streamSeconds, Span<float> result)
    {
        if (result.Length != ResultLength)
        {
            throw new ArgumentException($"result must hold {ResultLength} values, got {result.Length}", nameof(result));
        }

        if (_pendingCount == 0)
        {
            streamSeconds = 0;
            return false;
        }

        streamSeconds = _pendingSeconds[_pendingHead];
        _pending.AsSpan(_pendingHead * ResultLength, ResultLength).CopyTo(result);
        _pendingHead = (_pendingHead + 1) % MaxPendingResults;
        _pendingCount--;
        return true;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Name(ReadOnlySpan<float> result)
    {
        var named = new Dictionary<string, double>(ResultLength, StringComparer.Ordinal);
        for (int i = 0; i < ResultLength; i++)
        {
            named[FrameClassifierModel.ResultNames[i]] = result[i];
        }

        return named;
    }

    private void StartOver()
    {
        _count = 0;
        _classifyAt = _window;
        _blockCount = 0;
        _blockNext = 0;
        _span = default;
    }

    private void Classify()
    {
        long first = _nextFrame - _window;
        if (_specFrames - first > _ringFrames)
        {
            SkippedRuns++; // the spectrogram ran so far ahead that the window's oldest bins are overwritten
            return;
        }

        float[] input = t_input is { } i && i.Length == _channels * _window ? i : t_input = new float[_channels * _window];
        float[] output = t_output is { } o && o.Length == _classes * _window ? o : t_output = new float[_classes * _window];
        for (int t = 0; t < _window; t++)
        {
            int slot = (int)((first + t) % _ringFrames);
            for (int k = 0; k < _envChannels; k++)
            {
                input[(k * _window) + t] = _envRing[(slot * _envChannels) + k];
            }

            for (int b = 0; b < _bins; b++)
            {
                input[((_envChannels + b) * _window) + t] = _specRing[(slot * _bins) + b];
            }
        }

        SpectralFeatures.NormalizeWindow(input, _channels, _window, _envChannels);
        try
        {
            _model.RunWindow(input, _inputShape, output, _outputShape);
        }
        catch (OnnxRuntimeException e)
        {
            Failure = $"classifier {_model.Identity} failed: {e.Message}";
            HeartStreamMetrics.AddClassifierFailure(_model.Name);
            return;
        }

        Classifications++;
        int fresh = (int)Math.Min(_window, _nextFrame - Math.Max(_counted, first));
        var evidence = default(MurmurEvidence);
        evidence.Add(output, _window, _window - fresh, fresh, _model.Rule, _classes);
        _counted = _nextFrame;
        if (_blockCount == AveragedRuns)
        {
            _span.Subtract(_blocks[_blockNext]);
        }
        else
        {
            _blockCount++;
        }

        _blocks[_blockNext] = evidence;
        _blockNext = (_blockNext + 1) % AveragedRuns;
        _span.Add(evidence);
        Queue();
    }

    private void Queue()
    {
        if (_pendingCount == MaxPendingResults)
        {
            _pendingHead = (_pendingHead + 1) % MaxPendingResults;
            _pendingCount--;
            DroppedResults++;
        }

        int slot = (_pendingHead + _pendingCount) % MaxPendingResults;
        Span<float> result = _pending.AsSpan(slot * ResultLength, ResultLength);
        MurmurRule rule = _model.Rule;
        double seconds = _span.Frames / _frameRate;
        result.Clear();
        if (rule.CanTell(seconds, _span.MeanConfidence))
        {
            double score = _span.Score;
            result[0] = (float)rule.Probability(score);
            result[1] = (float)score;
            result[2 + (2 - (int)rule.Decide(score))] = 1; // Present, Unknown, Absent
        }
        else
        {
            result[0] = float.NaN;
            result[1] = float.NaN;
            result[3] = 1;
        }

        _pendingSeconds[slot] = _nextFrame / _frameRate;
        _pendingCount++;
    }
}
