using BenchmarkDotNet.Attributes;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Tests.Segmentation;

namespace HeartStream.Benchmarks;

/// <summary>
/// Where the live decoder's time goes: the HSMM kernel alone (one fixed-rate pass over 10 s of emission likelihoods),
/// the heart-rate choice over the streaming decoder's 30 s rate window (autocorrelations plus candidate HSMM passes),
/// and the whole <see cref="StreamingHsmmDecoder"/> over about a minute of frames (the sample recording twice, logistic
/// posteriors, pushed in 0.1 s chunks as the live session does). The kernel's baseline is the scalar decoder it
/// replaced (tests/.../ReferenceHsmmDecoder.cs, linked in), so one run gives the before/after ratio. Min and median are
/// shown because the development machine is shared and the mean drifts with its load.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class DecoderCostBenchmarks
{
    private const int KernelFrames = 500;
    private const int RateFrames = 1500;
    private float[] _likelihoods = [];
    private float[] _posteriors = [];
    private float[] _envelope = [];
    private float[] _scratch = [];
    private HeartState[] _states = [];
    private readonly List<HeartSound> _sounds = new(256);
    private SegmenterParameters _baseline = null!;
    private HsmmDecoder _decoder = null!;
    private ReferenceHsmmDecoder _reference = null!;
    private SpringerSegmenter _segmenter = null!;
    private HeartRateEstimator _estimator = null!;
    private StreamingHsmmDecoder _streaming = null!;

    [GlobalSetup]
    public void Setup()
    {
        string models = Path.Combine(SampleAudio.Root, "models");
        _baseline = SegmenterParameters.Load(Path.Combine(models, "baseline", "segmenter.json"));
        float[] features = RecordingAnalyzer.PrepareFeatures(SampleAudio.Load(), Pipeline.AnalysisRate.SampleRate, FeatureSettings.Default);
        int once = features.Length / 4;
        int frames = 2 * once;
        _posteriors = new float[frames * 4];
        _envelope = new float[frames];
        _baseline.CreateModel().Predict(features, 4, _posteriors.AsSpan(0, once * 4));
        _posteriors.AsSpan(0, once * 4).CopyTo(_posteriors.AsSpan(once * 4));
        for (int f = 0; f < frames; f++)
        {
            _envelope[f] = features[(f % once) * 4];
        }

        var priors = new float[4];
        for (int s = 0; s < 4; s++)
        {
            priors[s] = (float)_baseline.StatePriors[s];
        }

        _likelihoods = new float[KernelFrames * 4];
        EmissionLikelihood.FromPosteriors(_posteriors.AsSpan(0, KernelFrames * 4), priors, _likelihoods);
        _scratch = new float[frames * 4];
        _states = new HeartState[frames];
        _decoder = new HsmmDecoder(KernelFrames);
        _reference = new ReferenceHsmmDecoder(KernelFrames);
        _segmenter = new SpringerSegmenter(RateFrames);
        _estimator = new HeartRateEstimator(RateFrames);
        _streaming = new StreamingHsmmDecoder(_baseline);
    }

    /// <summary>Frames the streaming benchmark pushes (about 58 s).</summary>
    public int StreamFrames => _envelope.Length;

    [Benchmark(Baseline = true, Description = "HSMM kernel before (scalar reference), 500 frames")]
    public double KernelReference() => _reference.Decode(_likelihoods, new HeartRateEstimate(80, 0.3, 1), _states.AsSpan(0, KernelFrames));

    [Benchmark(Description = "HSMM kernel, one fixed heart rate, 500 frames")]
    public double Kernel() => _decoder.Decode(_likelihoods, new HeartRateEstimate(80, 0.3, 1), _states.AsSpan(0, KernelFrames));

    [Benchmark(Description = "envelope heart-rate estimate, 1500 frames")]
    public bool Autocorrelation() => _estimator.TryEstimate(_envelope.AsSpan(0, RateFrames), out _);

    [Benchmark(Description = "heart-rate choice with HSMM candidates, 1500 frames")]
    public double ChooseRate()
    {
        Span<float> window = _scratch.AsSpan(0, RateFrames * 4);
        _posteriors.AsSpan(0, RateFrames * 4).CopyTo(window);
        _sounds.Clear();
        return _segmenter.DecodePosteriors(window, _envelope.AsSpan(0, RateFrames), _baseline, _states.AsSpan(0, RateFrames), _sounds).Bpm;
    }

    [Benchmark(Description = "streaming decoder, defaults, 2900 frames in 5-frame pushes")]
    public int Streaming()
    {
        _streaming.Reset();
        _sounds.Clear();
        for (int f = 0; f < _envelope.Length; f += 5)
        {
            int n = Math.Min(5, _envelope.Length - f);
            _streaming.Push(_posteriors.AsSpan(f * 4, n * 4), _envelope.AsSpan(f, n), _sounds);
        }

        _streaming.Flush(_sounds);
        return _sounds.Count;
    }
}
