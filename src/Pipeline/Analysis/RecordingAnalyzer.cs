using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Analysis;

/// <summary>
/// Offline analysis of one whole recording: resample to <see cref="AnalysisRate.SampleRate"/>, the shared streaming
/// feature path (<see cref="FeatureMatrix.Compute"/>) and live normaliser (<see cref="StreamingFeatureNormalizer"/>),
/// then the segmenter: the logistic baseline, or any <see cref="IEmissionModel"/> (a neural segmenter) whose posteriors
/// go through the same HSMM decoder (<see cref="SpringerSegmenter.DecodePosteriors"/>). Training calls <see cref="PrepareFeatures"/> so its features are these, by construction.
/// Not thread-safe (the segmenter keeps buffers); use one instance per thread.
/// </summary>
public sealed class RecordingAnalyzer
{
    /// <summary>Recordings shorter than this hold less than one cycle at 60 bpm and are not segmented.</summary>
    public const double MinimumSeconds = 1.0;

    private readonly SegmenterParameters _parameters;
    private readonly FeatureSettings _settings;
    private readonly IEmissionModel? _emissions;
    private SpringerSegmenter? _segmenter;
    private readonly float _minSoundPosterior;
    private float[] _posteriors = [];
    private float[] _heard = [];  // the network's posteriors, kept for the heard-sound rule (the decoder overwrites _posteriors)

    public RecordingAnalyzer(SegmenterParameters parameters, FeatureSettings? settings = null)
        : this(parameters, null, settings)
    {
    }

    /// <param name="parameters">Decoder parameters (durations, priors, sound offset); also the emission model when <paramref name="emissions"/> is null.</param>
    /// <param name="emissions">Emission model producing the posteriors, or null for the logistic model in <paramref name="parameters"/>.</param>
    /// <param name="settings">Feature settings (default <see cref="FeatureSettings.Default"/>).</param>
    /// <param name="minSoundPosterior">
    /// With <paramref name="emissions"/>: report a decoded sound only when the network's mean posterior of its type
    /// reaches this (<see cref="HeardSounds"/>; the live neural path's default too, so both report the same sounds).
    /// </param>
    public RecordingAnalyzer(SegmenterParameters parameters, IEmissionModel? emissions, FeatureSettings? settings = null, float minSoundPosterior = HeardSounds.DefaultMinPosterior)
    {
        if (!(minSoundPosterior is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minSoundPosterior), minSoundPosterior, "the minimum sound posterior must lie in 0..1 (exclusive)");
        }

        _minSoundPosterior = minSoundPosterior;
        ArgumentNullException.ThrowIfNull(parameters);
        _settings = settings ?? FeatureSettings.Default;
        if (parameters.FeatureSettingsHash.Length > 0 && parameters.FeatureSettingsHash != _settings.Hash())
        {
            throw new InvalidDataException(
                $"segmenter parameters were trained on features {parameters.FeatureSettingsHash[..12]}…, this build computes {_settings.Hash()[..12]}…; retrain them (heartstream train baseline)");
        }

        if (parameters.Channels != _settings.Channels)
        {
            throw new InvalidDataException($"segmenter parameters expect {parameters.Channels} feature channels, the features have {_settings.Channels}");
        }

        if (emissions is not null && emissions.Channels != _settings.Channels)
        {
            throw new InvalidDataException($"emission model '{emissions.Name}' expects {emissions.Channels} feature channels, the features have {_settings.Channels}");
        }

        _parameters = parameters;
        _emissions = emissions;
    }

    public FeatureSettings Settings => _settings;

    /// <summary>Which emission model produces the posteriors ("baseline" for the logistic model).</summary>
    public string EmissionModelName => _emissions?.Name ?? "baseline";

    /// <summary>
    /// The features every model sees: audio resampled to 2 kHz, the streaming extractor, then the live normaliser.
    /// Returns frame-major normalised frames (<see cref="FeatureSettings.Channels"/> per frame).
    /// </summary>
    public static float[] PrepareFeatures(ReadOnlySpan<float> samples, int sampleRate, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        float[] audio = sampleRate == AnalysisRate.SampleRate
            ? samples.ToArray()
            : StreamingResampler.Resample(samples, sampleRate, AnalysisRate.SampleRate);
        FeatureMatrix raw = FeatureMatrix.Compute(audio, settings);
        return StreamingFeatureNormalizer.NormalizeRecording(raw.Data, settings);
    }

    public RecordingAnalysis Analyze(WavAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return Analyze(audio.Samples, audio.SampleRate);
    }

    public RecordingAnalysis Analyze(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        double duration = (double)samples.Length / sampleRate;
        SignalCheck signal = SignalCheck.Measure(samples);
        var warnings = new List<string>();
        if (signal.IsClipped)
        {
            warnings.Add($"clipped: {signal.ClippedFraction:P1} of samples at full scale; sounds may be distorted");
        }

        if (duration < MinimumSeconds)
        {
            warnings.Add($"too short: {duration:0.###} s is less than one heart cycle; at least {MinimumSeconds:0.#} s is needed");
            return new RecordingAnalysis(AnalysisStatus.TooShort, duration, sampleRate, signal, [], default, warnings);
        }

        if (signal.IsSilent)
        {
            warnings.Add($"silent: peak level {signal.PeakDbfs:0} dBFS, no heart sounds to find");
            return new RecordingAnalysis(AnalysisStatus.Silent, duration, sampleRate, signal, [], default, warnings);
        }

        int channels = _settings.Channels;
        float[] features = PrepareFeatures(samples, sampleRate, _settings);
        int frames = features.Length / channels;
        var envelope = new float[frames];
        for (int f = 0; f < frames; f++)
        {
            envelope[f] = features[(f * channels) + (int)FeatureChannel.Homomorphic];
        }

        if (_segmenter is null || _segmenter.MaxFrames < frames)
        {
            _segmenter = new SpringerSegmenter(frames);
        }

        var states = new HeartState[frames];
        var sounds = new List<HeartSound>();
        HeartRateEstimate hr;
        if (_emissions is null)
        {
            hr = _segmenter.Segment(features, channels, envelope, _parameters, states, sounds);
        }
        else
        {
            if (_posteriors.Length < frames * LogisticEmissionModel.States)
            {
                _posteriors = new float[frames * LogisticEmissionModel.States];
            }

            Span<float> posteriors = _posteriors.AsSpan(0, frames * LogisticEmissionModel.States);
            _emissions.Predict(features, posteriors);
            if (_minSoundPosterior > 0)
            {
                // DecodePosteriors turns the posteriors into likelihoods (posterior / prior) in place; the rule needs
                // the posteriors, as the live path uses them.
                if (_heard.Length < posteriors.Length)
                {
                    _heard = new float[posteriors.Length];
                }

                posteriors.CopyTo(_heard);
            }

            hr = _segmenter.DecodePosteriors(posteriors, envelope, _parameters, states, sounds);
            DropUnheard(sounds, _heard, frames);
        }

        ClampToRecording(sounds, duration);
        if (hr.Confidence <= 0)
        {
            warnings.Add("no periodicity found in the envelope; heart rate is a fallback and the sounds are unreliable");
        }

        return new RecordingAnalysis(AnalysisStatus.Ok, duration, sampleRate, signal, sounds, hr, warnings);
    }

    /// <summary>Removes sounds whose mean network posterior of their type is below the minimum (<see cref="HeardSounds"/>).</summary>
    private void DropUnheard(List<HeartSound> sounds, ReadOnlySpan<float> posteriors, int frames)
    {
        if (_minSoundPosterior <= 0)
        {
            return;
        }

        for (int i = sounds.Count - 1; i >= 0; i--)
        {
            HeartSound sound = sounds[i];
            (long first, long last) = HeardSounds.Frames(sound, _parameters.SoundOffsetSeconds, _settings.FrameRate);
            int state = (int)(sound.Type == SoundType.S1 ? HeartState.S1 : HeartState.S2);
            if (HeardSounds.Mean(posteriors, frames, LogisticEmissionModel.States, state, first, Math.Min(last, frames)) < _minSoundPosterior)
            {
                sounds.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// The trained sound offset shifts every sound by a few milliseconds, so a sound cut by the start (or end) of the
    /// recording could begin before 0 (or end after the last sample); report only the part inside the recording.
    /// </summary>
    private static void ClampToRecording(List<HeartSound> sounds, double duration)
    {
        for (int i = sounds.Count - 1; i >= 0; i--)
        {
            HeartSound s = sounds[i];
            double start = Math.Max(0, s.StartSeconds);
            double end = Math.Min(duration, s.EndSeconds);
            if (end <= start)
            {
                sounds.RemoveAt(i);
            }
            else if (start != s.StartSeconds || end != s.EndSeconds)
            {
                sounds[i] = s with { StartSeconds = start, EndSeconds = end };
            }
        }
    }
}
