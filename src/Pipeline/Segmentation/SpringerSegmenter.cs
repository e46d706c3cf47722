namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// The Springer et al. (2016) baseline end to end: heart rate from the homomorphic envelope, logistic emissions from the
/// feature frames, HSMM decoding, then S1/S2 sounds. Buffers are sized once for <c>maxFrames</c>; the span overload
/// allocates nothing once the model for a given <see cref="SegmenterParameters"/> instance has been built. Not
/// thread-safe: use one instance per worker.
/// </summary>
public sealed class SpringerSegmenter
{
    /// <summary>Used when the envelope gives no estimate (too short or flat); reported with confidence 0.</summary>
    public static readonly HeartRateEstimate FallbackHeartRate = new(80, 0.3, 0);

    private readonly HeartRateEstimator _heartRate;
    private readonly HsmmDecoder _decoder;
    private readonly float[] _emissions;
    private readonly float[] _priors = new float[LogisticEmissionModel.States];
    private SegmenterParameters? _cachedParameters;
    private LogisticEmissionModel? _cachedModel;

    public SpringerSegmenter(int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        _heartRate = new HeartRateEstimator(Math.Max(maxFrames, 16));
        _decoder = new HsmmDecoder(maxFrames);
        _emissions = new float[maxFrames * LogisticEmissionModel.States];
    }

    public int MaxFrames => _decoder.MaxFrames;

    /// <summary>Segments one recording or window; allocates the result.</summary>
    public SegmentationResult Segment(ReadOnlySpan<float> features, int channels, ReadOnlySpan<float> homomorphicEnvelope, SegmenterParameters parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        var states = new HeartState[features.Length / channels];
        var sounds = new List<HeartSound>();
        HeartRateEstimate hr = Segment(features, channels, homomorphicEnvelope, parameters, states, sounds);
        return new SegmentationResult(states, sounds, hr);
    }

    /// <summary>
    /// Segments into caller buffers: <paramref name="states"/> gets one state per frame, sounds are appended to
    /// <paramref name="sounds"/>. Returns the heart-rate estimate the decoder used.
    /// </summary>
    public HeartRateEstimate Segment(
        ReadOnlySpan<float> features, int channels, ReadOnlySpan<float> homomorphicEnvelope, SegmenterParameters parameters,
        Span<HeartState> states, List<HeartSound> sounds)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(sounds);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (features.Length % channels != 0)
        {
            throw new ArgumentException($"features length {features.Length} is not a multiple of {channels} channels", nameof(features));
        }

        int frames = features.Length / channels;
        if (frames == 0 || frames > MaxFrames)
        {
            throw new ArgumentException($"features have {frames} frames; this segmenter takes 1..{MaxFrames}", nameof(features));
        }

        if (homomorphicEnvelope.Length != frames)
        {
            throw new ArgumentException($"envelope has {homomorphicEnvelope.Length} frames but features have {frames}", nameof(homomorphicEnvelope));
        }

        if (parameters.FrameRate != AnalysisRate.FrameRate)
        {
            throw new ArgumentException($"parameters are for {parameters.FrameRate} frames/s; this segmenter runs at {AnalysisRate.FrameRate}", nameof(parameters));
        }

        LogisticEmissionModel model = ModelFor(parameters);
        Span<float> emissions = _emissions.AsSpan(0, frames * LogisticEmissionModel.States);
        model.Predict(features, channels, emissions);
        EmissionLikelihood.FromPosteriors(emissions, _priors, emissions);

        if (!_heartRate.TryEstimate(homomorphicEnvelope, out HeartRateEstimate hr))
        {
            hr = FallbackHeartRate;
        }

        hr = hr with { Bpm = Math.Clamp(hr.Bpm, parameters.MinBpm, parameters.MaxBpm) };
        _decoder.Decode(emissions, hr, parameters.Durations, states);
        HeartSoundExtractor.FromStates(states, parameters.FrameRate, parameters.SoundOffsetSeconds, sounds);
        return hr;
    }

    private LogisticEmissionModel ModelFor(SegmenterParameters parameters)
    {
        if (!ReferenceEquals(parameters, _cachedParameters) || _cachedModel is null)
        {
            _cachedModel = parameters.CreateModel();
            for (int s = 0; s < _priors.Length; s++)
            {
                _priors[s] = (float)parameters.StatePriors[s];
            }

            _cachedParameters = parameters;
        }

        return _cachedModel;
    }
}
