using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// The live front end every segmenter shares, raw device audio in, normalised feature frames out: the offline
/// <see cref="RecordingAnalyzer"/>'s <see cref="RecordingAnalyzer.PrepareFeatures"/> path as streaming stages
/// (<see cref="StreamingResampler"/> to 2 kHz, <see cref="StreamingFeatureExtractor"/>,
/// <see cref="StreamingFeatureNormalizer"/>), plus the silence guard that drops sounds over audio that never rose above
/// the silent level. The logistic session and the neural analyzer both run on it, so their features cannot drift apart.
/// </summary>
/// <remarks>
/// Silence: the offline analyser reports a silent recording (peak below <see cref="SignalCheck.SilentPeakDbfs"/>)
/// with no sounds; live, a stethoscope may be off the chest for a while, so <see cref="DropSilent"/> removes a sound
/// when the 2 kHz audio within <see cref="SilenceGuardFrames"/> of it never reaches that level. Every buffer is sized
/// in the constructor, so <see cref="Process"/> allocates nothing. Not thread-safe: one instance per device.
/// </remarks>
public sealed class StreamingFrontEnd
{
    /// <summary>Input samples handled per <see cref="Process"/> call at most; bounds every buffer.</summary>
    public const int ChunkSamples = 2048;

    /// <summary>Frames either side of a sound whose audio must rise above the silence level for the sound to count.</summary>
    public const int SilenceGuardFrames = 25;

    private const int PeakRingFrames = 8192; // 164 s of per-frame peaks; far more than any sound can lag its audio
    private const int LevelRingFrames = 512;  // 10 s of envelope levels: more than a sound can lag its frames (≤ 3 s); 2 KB per device

    private static readonly float s_silentPeak = (float)Math.Pow(10, SignalCheck.SilentPeakDbfs / 20);

    private readonly StreamingResampler _resampler;
    private readonly StreamingFeatureExtractor _extractor;
    private readonly StreamingFeatureNormalizer _normalizer;
    private readonly int _channels;
    private readonly int _samplesPerFrame;
    private readonly double _frameRate;
    private readonly int _maxReleased;
    private float[] _resampled;
    private readonly float[] _frames;
    private float[] _normalized;
    private readonly float[] _peaks = new float[PeakRingFrames];
    private readonly float[] _levels = new float[LevelRingFrames]; // un-normalised homomorphic envelope per frame
    private long _extractedFrames;
    private long _inputSamples;
    private long _resampledSamples;
    private long _releasedFrames;

    /// <param name="inputSampleRate">Rate of the audio the device sends, in Hz.</param>
    /// <param name="settings">Feature settings; must be the ones the model was trained on.</param>
    public StreamingFrontEnd(int inputSampleRate, FeatureSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSampleRate, 1);
        ArgumentNullException.ThrowIfNull(settings);
        InputSampleRate = inputSampleRate;
        Settings = settings;
        _channels = settings.Channels;
        _samplesPerFrame = settings.SamplesPerFrame;
        _frameRate = settings.FrameRate;
        _resampler = new StreamingResampler(inputSampleRate, settings.SampleRate);
        _extractor = new StreamingFeatureExtractor(settings);
        _normalizer = new StreamingFeatureNormalizer(settings);

        int resampled = Math.Max(_resampler.MaxOutput(ChunkSamples), _resampler.FlushLength + ChunkSamples);
        int maxFrames = Math.Max((resampled / _samplesPerFrame) + 1, _extractor.LatencyFrames + 2);
        _maxReleased = _normalizer.MaxOutputFrames(maxFrames);
        _resampled = new float[resampled];
        _frames = new float[maxFrames * _channels];
        _normalized = new float[_maxReleased * _channels];
    }

    public int InputSampleRate { get; }

    public FeatureSettings Settings { get; }

    /// <summary>Feature channels per frame.</summary>
    public int Channels => _channels;

    /// <summary>Most frames one <see cref="Process"/> call releases.</summary>
    public int MaxReleasedFrames => _maxReleased;

    /// <summary>Input samples consumed since the start of the stream.</summary>
    public long InputSamples => _inputSamples;

    /// <summary>Normalised frames released since the start of the stream.</summary>
    public long ReleasedFrames => _releasedFrames;

    /// <summary>
    /// Frames between the audio of a frame arriving and the frame's release, at most: resampler look-ahead, feature
    /// latency and one normalisation block.
    /// </summary>
    public int LatencyFrames =>
        (int)Math.Ceiling(_resampler.LatencyInputSamples * _frameRate / InputSampleRate) + _extractor.LatencyFrames + _normalizer.LatencyFrames;

    /// <summary>Frames the normaliser releases at once: frames leave the front end only at multiples of this.</summary>
    public int BlockFrames => _normalizer.LatencyFrames + 1;

    /// <summary>
    /// Receives the normalised frames as they are released (live classification reuses them); null for none. Set it
    /// before the first sample.
    /// </summary>
    public INormalizedFrameObserver? FrameObserver { get; set; }

    /// <summary>
    /// Consumes at most <see cref="ChunkSamples"/> input samples and returns the normalised frames released (frame-major,
    /// <see cref="Channels"/> per frame), valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Process(ReadOnlySpan<float> audio)
    {
        if (audio.Length > ChunkSamples)
        {
            throw new ArgumentException($"at most {ChunkSamples} samples per call, got {audio.Length}", nameof(audio));
        }

        int m = _resampler.Process(audio, _resampled);
        _inputSamples += audio.Length;
        return Release(Extract(_resampled.AsSpan(0, m), _normalized));
    }

    /// <summary>End of stream: drains the resampler, extractor and normaliser and returns the last frames.</summary>
    public ReadOnlySpan<float> Flush()
    {
        if (_resampler.FlushLength > _resampled.Length)
        {
            _resampled = new float[_resampler.FlushLength]; // end of stream only; not a hot path
        }

        if (_normalized.Length < 3 * _maxReleased * _channels)
        {
            _normalized = new float[3 * _maxReleased * _channels]; // flush releases up to three pushes' worth
        }

        int m = _resampler.Flush(_resampled);
        int released = Extract(_resampled.AsSpan(0, m), _normalized);
        int frames = _extractor.Flush(_frames);
        RecordLevels(frames);
        released += _normalizer.Push(_frames.AsSpan(0, frames * _channels), _normalized.AsSpan(released * _channels));
        released += _normalizer.Flush(_normalized.AsSpan(released * _channels));
        return Release(released);
    }

    /// <summary>Forgets the stream; the next sample starts a new one at time zero.</summary>
    public void Reset()
    {
        _resampler.Reset();
        _extractor.Reset();
        _normalizer.Reset();
        Array.Clear(_peaks);
        Array.Clear(_levels);
        _extractedFrames = 0;
        _inputSamples = 0;
        _resampledSamples = 0;
        _releasedFrames = 0;
    }

    /// <summary>
    /// Removes the sounds at index <paramref name="start"/> and later of <paramref name="sounds"/> whose audio, within
    /// <see cref="SilenceGuardFrames"/>, never reached the silent level. <paramref name="offsetSeconds"/> is the
    /// segmenter's sound offset (frame f lies at f / FrameRate + offset).
    /// </summary>
    public void DropSilent(List<HeartSound> sounds, int start, double offsetSeconds)
    {
        ArgumentNullException.ThrowIfNull(sounds);
        long available = (_resampledSamples + _samplesPerFrame - 1) / _samplesPerFrame;
        for (int i = sounds.Count - 1; i >= start; i--)
        {
            HeartSound sound = sounds[i];
            long first = Math.Max(0, (long)Math.Floor((sound.StartSeconds - offsetSeconds) * _frameRate) - SilenceGuardFrames);
            long last = Math.Min(available, (long)Math.Ceiling((sound.EndSeconds - offsetSeconds) * _frameRate) + SilenceGuardFrames);
            first = Math.Max(first, available - PeakRingFrames);
            float peak = 0;
            for (long f = first; f < last; f++)
            {
                peak = Math.Max(peak, _peaks[(int)(f % PeakRingFrames)]);
            }

            if (peak < s_silentPeak)
            {
                sounds.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// What every live analyzer does with the sounds its decoder just finalized (index <paramref name="start"/> and
    /// later): <see cref="DropSilent"/>, then <see cref="MeasureLevels"/>.
    /// </summary>
    public void FinishSounds(List<HeartSound> sounds, int start, double offsetSeconds)
    {
        DropSilent(sounds, start, offsetSeconds);
        MeasureLevels(sounds, start, offsetSeconds);
    }

    /// <summary>
    /// Sets <see cref="HeartSound.Level"/> of the sounds at index <paramref name="start"/> and later: the peak of the
    /// un-normalised homomorphic envelope over the sound's frames (linear in the audio's amplitude, before the live
    /// normaliser rescales it), so a consumer can tell a faint sound from the loud ones of the same stream.
    /// <paramref name="offsetSeconds"/> is the segmenter's sound offset.
    /// </summary>
    public void MeasureLevels(List<HeartSound> sounds, int start, double offsetSeconds)
    {
        ArgumentNullException.ThrowIfNull(sounds);
        for (int i = start; i < sounds.Count; i++)
        {
            HeartSound sound = sounds[i];
            (long first, long last) = HeardSounds.Frames(sound, offsetSeconds, _frameRate);
            first = Math.Max(first, _extractedFrames - LevelRingFrames);
            last = Math.Min(last, _extractedFrames);
            float level = 0;
            for (long f = first; f < last; f++)
            {
                level = Math.Max(level, _levels[(int)(f % LevelRingFrames)]);
            }

            sounds[i] = sound with { Level = level };
        }
    }

    /// <summary>Features of 2 kHz audio into <paramref name="output"/>; returns the frames the normaliser released.</summary>
    private int Extract(ReadOnlySpan<float> audio, Span<float> output)
    {
        if (audio.IsEmpty)
        {
            return 0;
        }

        FrameObserver?.OnAudio(audio, _resampledSamples);
        RecordPeaks(audio);
        int frames = _extractor.Process(audio, _frames);
        RecordLevels(frames);
        return _normalizer.Push(_frames.AsSpan(0, frames * _channels), output);
    }

    private ReadOnlySpan<float> Release(int released)
    {
        ReadOnlySpan<float> frames = _normalized.AsSpan(0, released * _channels);
        if (released > 0)
        {
            FrameObserver?.OnFrames(frames, _channels, _releasedFrames);
            _releasedFrames += released;
        }

        return frames;
    }

    /// <summary>The un-normalised homomorphic envelope of the frames just extracted, in a ring indexed by frame number.</summary>
    private void RecordLevels(int frames)
    {
        for (int f = 0; f < frames; f++)
        {
            _levels[(int)((_extractedFrames + f) % LevelRingFrames)] = _frames[(f * _channels) + (int)FeatureChannel.Homomorphic];
        }

        _extractedFrames += frames;
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
}
