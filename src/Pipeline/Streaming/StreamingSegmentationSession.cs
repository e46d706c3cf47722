using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// One device's live segmentation, raw audio chunks in, final S1/S2 sounds out: the offline
/// <see cref="RecordingAnalyzer"/>'s path (the shared <see cref="StreamingFrontEnd"/>: resample to 2 kHz, streaming
/// features, live normaliser; then <see cref="LogisticEmissionModel"/>) feeding a <see cref="StreamingHsmmDecoder"/>.
/// Every buffer is sized in the constructor, so <see cref="Push"/> allocates nothing (the caller's list may grow); chunk
/// sizes do not change the sounds.
/// </summary>
/// <remarks>
/// Silence: a sound is dropped when the 2 kHz audio within <see cref="SilenceGuardFrames"/> of it never reaches the
/// silent level (<see cref="StreamingFrontEnd.DropSilent"/>). Not thread-safe: one instance per device.
/// </remarks>
public sealed class StreamingSegmentationSession : INormalizedFrameSource
{
    /// <summary>Input samples handled per inner step; bounds every buffer.</summary>
    public const int ChunkSamples = StreamingFrontEnd.ChunkSamples;

    /// <summary>Frames either side of a sound whose audio must rise above the silence level for the sound to count.</summary>
    public const int SilenceGuardFrames = StreamingFrontEnd.SilenceGuardFrames;

    private readonly StreamingFrontEnd _frontEnd;
    private readonly LogisticEmissionModel _model;
    private readonly StreamingHsmmDecoder _decoder;
    private readonly int _channels;
    private readonly double _frameRate;
    private readonly double _offset;
    private float[] _posteriors;
    private float[] _envelope;
    private bool _flushed;

    /// <param name="parameters">Trained segmenter (e.g. models/baseline/segmenter.json).</param>
    /// <param name="inputSampleRate">Rate of the audio the device sends, in Hz.</param>
    /// <param name="options">Decoder window, step and look-ahead; <see cref="StreamingDecoderOptions.Default"/> when null.</param>
    /// <param name="settings">Feature settings; must be the ones the parameters were trained on.</param>
    public StreamingSegmentationSession(SegmenterParameters parameters, int inputSampleRate, StreamingDecoderOptions? options = null, FeatureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSampleRate, 1);
        settings ??= FeatureSettings.Default;
        if (parameters.FeatureSettingsHash.Length > 0 && parameters.FeatureSettingsHash != settings.Hash())
        {
            throw new InvalidDataException(
                $"segmenter parameters were trained on features {parameters.FeatureSettingsHash[..12]}…, this build computes {settings.Hash()[..12]}…; retrain them (heartstream train baseline)");
        }

        if (parameters.Channels != settings.Channels)
        {
            throw new InvalidDataException($"segmenter parameters expect {parameters.Channels} feature channels, the features have {settings.Channels}");
        }

        InputSampleRate = inputSampleRate;
        _channels = settings.Channels;
        _frameRate = settings.FrameRate;
        _offset = parameters.SoundOffsetSeconds;
        _frontEnd = new StreamingFrontEnd(inputSampleRate, settings);
        _model = parameters.CreateModel();
        _decoder = new StreamingHsmmDecoder(parameters, options);
        _posteriors = new float[_frontEnd.MaxReleasedFrames * LogisticEmissionModel.States];
        _envelope = new float[_frontEnd.MaxReleasedFrames];
    }

    public int InputSampleRate { get; }

    /// <summary>The decoder (look-ahead, step, heart rate, decode counts).</summary>
    public StreamingHsmmDecoder Decoder => _decoder;

    /// <summary>
    /// Receives the normalised frames as the front end releases them (live classification reuses them); null for none.
    /// </summary>
    public INormalizedFrameObserver? FrameObserver
    {
        get => _frontEnd.FrameObserver;
        set => _frontEnd.FrameObserver = value;
    }

    /// <summary>Input samples pushed since the start of the stream.</summary>
    public long InputSamples => _frontEnd.InputSamples;

    /// <summary>Seconds of audio pushed since the start of the stream.</summary>
    public double InputSeconds => (double)InputSamples / InputSampleRate;

    /// <summary>
    /// Stream time (seconds since the start) up to which sounds are final: every sound whose EndSeconds is at or before
    /// this has been emitted. Lags <see cref="InputSeconds"/> by about <see cref="MaxLatencySeconds"/>.
    /// </summary>
    public double FinalizedSeconds => _decoder.FinalizedSeconds;

    /// <summary>Heart rate the decoder currently uses (confidence 0 until it has one).</summary>
    public HeartRateEstimate CurrentHeartRate => _decoder.CurrentHeartRate;

    /// <summary>
    /// Frames between the audio frame holding a sound's end arriving and the sound's emission, at most: front-end
    /// latency (resampler look-ahead, feature latency, one normalisation block), decoder look-ahead and one decode step.
    /// </summary>
    public int MaxLatencyFrames => _frontEnd.LatencyFrames + _decoder.MaxDelayFrames + 1;

    /// <summary><see cref="MaxLatencyFrames"/> in seconds.</summary>
    public double MaxLatencySeconds => MaxLatencyFrames / _frameRate;

    /// <summary>Consumes device audio (any chunk size, finite samples) and appends every sound that became final.</summary>
    public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        if (_flushed)
        {
            throw new InvalidOperationException("the stream was flushed; call Reset() before pushing a new stream");
        }

        while (!audio.IsEmpty)
        {
            int n = Math.Min(audio.Length, ChunkSamples);
            int start = finalized.Count;
            Decode(_frontEnd.Process(audio[..n]), finalized);
            _frontEnd.FinishSounds(finalized, start, _offset);
            audio = audio[n..];
        }
    }

    /// <summary>End of stream: drains every stage and appends the remaining sounds, as the offline analyser would find them.</summary>
    public void Flush(List<HeartSound> finalized)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        if (_flushed)
        {
            return;
        }

        int start = finalized.Count;
        ReadOnlySpan<float> last = _frontEnd.Flush();
        int frames = last.Length / _channels;
        if (_envelope.Length < frames)
        {
            _posteriors = new float[frames * LogisticEmissionModel.States]; // end of stream only; not a hot path
            _envelope = new float[frames];
        }

        Decode(last, finalized);
        _decoder.Flush(finalized);
        _frontEnd.FinishSounds(finalized, start, _offset);
        _flushed = true;
    }

    /// <summary>Forgets the stream; the next sample pushed starts a new one at time zero.</summary>
    public void Reset()
    {
        _frontEnd.Reset();
        _decoder.Reset();
        _flushed = false;
    }

    private void Decode(ReadOnlySpan<float> normalized, List<HeartSound> finalized)
    {
        int released = normalized.Length / _channels;
        if (released == 0)
        {
            return;
        }

        Span<float> posteriors = _posteriors.AsSpan(0, released * LogisticEmissionModel.States);
        _model.Predict(normalized, _channels, posteriors);
        Span<float> envelope = _envelope.AsSpan(0, released);
        for (int f = 0; f < released; f++)
        {
            envelope[f] = normalized[(f * _channels) + (int)FeatureChannel.Homomorphic];
        }

        _decoder.Push(posteriors, envelope, finalized);
    }
}
