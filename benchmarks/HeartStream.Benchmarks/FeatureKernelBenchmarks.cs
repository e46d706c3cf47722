using BenchmarkDotNet.Attributes;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Features;

namespace HeartStream.Benchmarks;

/// <summary>
/// The per-sample and per-frame kernels of the live path on one second of real audio (2,000 samples = 50 frames):
/// resampling 4 kHz → 2 kHz, the streaming feature extractor, the spectral front end, the trailing-window normaliser. Steady state: the
/// objects are reused across invocations, as a device stream reuses them; allocations must be 0.
/// </summary>
[MemoryDiagnoser]
public class FeatureKernelBenchmarks
{
    private float[] _audio = [];
    private float[] _audio4k = [];
    private float[] _resampled = [];
    private float[] _frames = [];
    private float[] _normalised = [];
    private StreamingResampler _resampler = null!;
    private StreamingFeatureExtractor _extractor = null!;
    private StreamingFeatureNormalizer _normalizer = null!;
    private StreamingSpectrogram _spectrogram = null!;
    private float[] _spectrum = [];
    private int _offset;

    [GlobalSetup]
    public void Setup()
    {
        _audio = SampleAudio.Load();
        _audio4k = StreamingResampler.Resample(_audio, AnalysisRate.SampleRate, 4000);
        _resampler = new StreamingResampler(4000, AnalysisRate.SampleRate);
        _resampled = new float[_resampler.MaxOutput(4000)];
        _extractor = new StreamingFeatureExtractor(FeatureSettings.Default);
        _frames = new float[((AnalysisRate.SampleRate / AnalysisRate.SamplesPerFrame) + 1) * 4]; // a 1 s call releases at most 50 frames + 1
        _normalizer = new StreamingFeatureNormalizer(FeatureSettings.Default);
        _normalised = new float[_normalizer.MaxOutputFrames(AnalysisRate.FrameRate) * 4];
        _spectrogram = new StreamingSpectrogram();
        _spectrum = new float[(AnalysisRate.FrameRate + 1) * _spectrogram.Bins];
    }

    /// <summary>Next one-second slice of the recording (wraps), so every invocation sees real, varying audio.</summary>
    private ReadOnlySpan<float> NextSecond(float[] source, int length)
    {
        if (_offset + length > source.Length)
        {
            _offset = 0;
        }

        ReadOnlySpan<float> slice = source.AsSpan(_offset, length);
        _offset += length;
        return slice;
    }

    [Benchmark(Description = "resample 1 s 4 kHz -> 2 kHz")]
    public int Resample() => _resampler.Process(NextSecond(_audio4k, 4000), _resampled);

    [Benchmark(Description = "features, 1 s of 2 kHz audio")]
    public int Features() => _extractor.Process(NextSecond(_audio, AnalysisRate.SampleRate), _frames);

    [Benchmark(Description = "spectrogram (40 bins), 1 s of 2 kHz audio")]
    public int Spectrogram() => _spectrogram.Process(NextSecond(_audio, AnalysisRate.SampleRate), _spectrum);

    [Benchmark(Description = "normaliser, 50 frames")]
    public int Normalise() => _normalizer.Push(_frames.AsSpan(0, AnalysisRate.FrameRate * 4), _normalised);
}
