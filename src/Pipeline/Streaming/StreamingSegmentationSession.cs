using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// One device's live segmentation, raw audio chunks in, final S1/S2 sounds out: the offline
/// <see cref="RecordingAnalyzer"/>'s path (<see cref="StreamingResampler"/> to 2 kHz,
/// <see cref="StreamingFeatureExtractor"/>, <see cref="StreamingFeatureNormalizer"/>, <see cref="LogisticEmissionModel"/>)
/// feeding a <see cref="StreamingHsmmDecoder"/>. Every buffer is sized in the constructor, so <see cref="Push"/>
/// allocates nothing (the caller's list may grow); chunk sizes do not change the sounds.
/// </summary>
/// <remarks>
/// Silence: the offline analyser reports a silent recording (peak below <see cref="SignalCheck.SilentPeakDbfs"/>)
/// with no sounds; live, a stethoscope may be off the chest for a while, so a sound is dropped when the 2 kHz audio
/// within <see cref="SilenceGuardFrames"/> of it never reaches that level. Not thread-safe: one instance per device.
/// </remarks>
public sealed class StreamingSegmentationSession : INormalizedFrameSource
{
    /// <summary>Input samples handled per inner step; bounds every buffer.</summary>
    public const int ChunkSamples = 2048;

    /// <summary>Frames either side of a sound whose audio must rise above the silence level for the sound to count.</summary>
    public const int SilenceGuardFrames = 25;

    private const int PeakRingFrames = 8192; // 164 s of per-frame peaks; far more than any sound can lag its audio

    private static readonly float s_silentPeak = (float)Math.Pow(10, SignalCheck.SilentPeakDbfs / 20);

    private readonly StreamingResampler _resampler;
    private readonly StreamingFeatureExtractor _extractor;
    private readonly StreamingFeatureNormalizer _normalizer;
    private readonly LogisticEmissionModel _model;
    private readonly StreamingHsmmDecoder _decoder;
    private readonly int _channels;
    private readonly int _samplesPerFrame;
    private readonly double _frameRate;
    private readonly double _offset;
    private float[] _resampled;
    private readonly float[] _frames;
    private readonly float[] _normalized;
    private readonly float[] _posteriors;
    private readonly float[] _envelope;
    private readonly float[] _peaks = new float[PeakRingFrames];
    private long _inputSamples;
    private long _resampledSamples;
    private long _releasedFrames;
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
        _samplesPerFrame = settings.SamplesPerFrame;
        _frameRate = settings.FrameRate;
        _offset = parameters.SoundOffsetSeconds;
        _resampler = new StreamingResampler(inputSampleRate, settings.SampleRate);
        _extractor = new StreamingFeatureExtractor(settings);
        _normalizer = new StreamingFeatureNormalizer(settings);
        _model = parameters.CreateModel();
        _decoder = new StreamingHsmmDecoder(parameters, options);

        int resampled = Math.Max(_resampler.MaxOutput(ChunkSamples), _resampler.FlushLength + ChunkSamples);
        int maxFrames = Math.Max((resampled / _samplesPerFrame) + 1, _extractor.LatencyFrames + 2);
        int maxReleased = _normalizer.MaxOutputFrames(maxFrames);
        _resampled = new float[resampled];
        _frames = new float[maxFrames * _channels];
        _normalized = new float[maxReleased * _channels];
        _posteriors = new float[maxReleased * LogisticEmissionModel.States];
        _envelope = new float[maxReleased];
    }

    public int InputSampleRate { get; }

    /// <summary>
    /// Sees every normalised frame the normaliser releases, in order, before the emission model does (live window
    /// classification); null for none. Set it before the first push; frame indices restart at 0 after <see cref="Reset"/>.
    /// </summary>
    public INormalizedFrameObserver? FrameObserver { get; set; }

    /// <summary>The decoder (look-ahead, step, heart rate, decode counts).</summary>
    public StreamingHsmmDecoder Decoder => _decoder;

    /// <summary>Input samples pushed since the start of the stream.</summary>
    public long InputSamples => _inputSamples;

    /// <summary>Seconds of audio pushed since the start of the stream.</summary>
    public double InputSeconds => (double)_inputSamples / InputSampleRate;

    /// <summary>
    /// Stream time (seconds since the start) up to which sounds are final: every sound whose EndSeconds is at or before
    /// this has been emitted. Lags <see cref="InputSeconds"/> by about <see cref="MaxLatencySeconds"/>.
    /// </summary>
    public double FinalizedSeconds => _decoder.FinalizedSeconds;

    /// <summary>Heart rate the decoder currently uses (confidence 0 until it has one).</summary>
    public HeartRateEstimate CurrentHeartRate => _decoder.CurrentHeartRate;

    /// <summary>
    /// Frames between the audio frame holding a sound's end arriving and the sound's emission, at most: resampler
    /// look-ahead, feature latency, one normalisation block, decoder look-ahead and one decode step.
    /// </summary>
    public int MaxLatencyFrames =>
        (int)Math.Ceiling(_resampler.LatencyInputSamples * _frameRate / InputSampleRate)
        + _extractor.LatencyFrames + _normalizer.LatencyFrames + _decoder.MaxDelayFrames + 1;

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
            int m = _resampler.Process(audio[..n], _resampled);
            _inputSamples += n;
            Process2k(_resampled.AsSpan(0, m), finalized);
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

        if (_resampler.FlushLength > _resampled.Length)
        {
            _resampled = new float[_resampler.FlushLength]; // end of stream only; not a hot path
        }

        int m = _resampler.Flush(_resampled);
        Process2k(_resampled.AsSpan(0, m), finalized);
        int start = finalized.Count;
        int frames = _extractor.Flush(_frames);
        int released = _normalizer.Push(_frames.AsSpan(0, frames * _channels), _normalized);
        released += _normalizer.Flush(_normalized.AsSpan(released * _channels));
        Decode(released, finalized);
        _decoder.Flush(finalized);
        DropSilent(finalized, start);
        _flushed = true;
    }

    /// <summary>Forgets the stream; the next sample pushed starts a new one at time zero.</summary>
    public void Reset()
    {
        _resampler.Reset();
        _extractor.Reset();
        _normalizer.Reset();
        _decoder.Reset();
        Array.Clear(_peaks);
        _inputSamples = 0;
        _resampledSamples = 0;
        _releasedFrames = 0;
        _flushed = false;
    }

    private void Process2k(ReadOnlySpan<float> audio, List<HeartSound> finalized)
    {
        if (audio.IsEmpty)
        {
            return;
        }

        RecordPeaks(audio);
        int start = finalized.Count;
        int frames = _extractor.Process(audio, _frames);
        int released = _normalizer.Push(_frames.AsSpan(0, frames * _channels), _normalized);
        Decode(released, finalized);
        DropSilent(finalized, start);
    }

    private void Decode(int released, List<HeartSound> finalized)
    {
        if (released == 0)
        {
            return;
        }

        ReadOnlySpan<float> normalized = _normalized.AsSpan(0, released * _channels);
        FrameObserver?.OnFrames(normalized, _channels, _releasedFrames);
        _releasedFrames += released;
        Span<float> posteriors = _posteriors.AsSpan(0, released * LogisticEmissionModel.States);
        _model.Predict(normalized, _channels, posteriors);
        Span<float> envelope = _envelope.AsSpan(0, released);
        for (int f = 0; f < released; f++)
        {
            envelope[f] = normalized[(f * _channels) + (int)FeatureChannel.Homomorphic];
        }

        _decoder.Push(posteriors, envelope, finalized);
    }

    /// <summary>Peak |x| per analysis frame of the 2 kHz audio, in a ring indexed by frame number.</summary>
    private void RecordPeaks(ReadOnlySpan<float> audio)
    {
        for (int i = 0; i < audio.Length; i++)
        {
            long sample = _resampledSamples + i;
            int slot = (int)((sample / _samplesPerFrame) % PeakRingFrames);
            float a = Math.Abs(audio[i]);
            _peaks[slot] = sample % _samplesPerFrame == 0 ? a : Math.Max(_peaks[slot], a);
        }

        _resampledSamples += audio.Length;
    }

    private void DropSilent(List<HeartSound> finalized, int start)
    {
        long available = (_resampledSamples + _samplesPerFrame - 1) / _samplesPerFrame;
        for (int i = finalized.Count - 1; i >= start; i--)
        {
            HeartSound sound = finalized[i];
            long first = Math.Max(0, (long)Math.Floor((sound.StartSeconds - _offset) * _frameRate) - SilenceGuardFrames);
            long last = Math.Min(available, (long)Math.Ceiling((sound.EndSeconds - _offset) * _frameRate) + SilenceGuardFrames);
            first = Math.Max(first, available - PeakRingFrames);
            float peak = 0;
            for (long f = first; f < last; f++)
            {
                peak = Math.Max(peak, _peaks[(int)(f % PeakRingFrames)]);
            }

            if (peak < s_silentPeak)
            {
                finalized.RemoveAt(i);
            }
        }
    }
}
