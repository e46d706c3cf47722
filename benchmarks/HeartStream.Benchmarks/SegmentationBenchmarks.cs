using BenchmarkDotNet.Attributes;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Benchmarks;

/// <summary>
/// Emissions and decoding on the shipped models over 10 s (500 frames) of real features: logistic emissions, the
/// neural segmenter's batched ONNX Runtime run (windows of 256 frames), and the HSMM decode with heart-rate candidates.
/// </summary>
[MemoryDiagnoser]
public class SegmentationBenchmarks
{
    private const int Frames = 500;
    private float[] _features = [];
    private float[] _envelope = [];
    private float[] _posteriors = [];
    private HeartState[] _states = [];
    private readonly List<HeartSound> _sounds = new(64);
    private SegmenterParameters _baseline = null!;
    private LogisticEmissionModel _logistic = null!;
    private SpringerSegmenter _segmenter = null!;
    private NeuralSegmenter _neural = null!;
    private OnnxEmissionModel _onnx = null!;

    [GlobalSetup]
    public void Setup()
    {
        string models = Path.Combine(SampleAudio.Root, "models");
        float[] all = RecordingAnalyzer.PrepareFeatures(SampleAudio.Load(), Pipeline.AnalysisRate.SampleRate, FeatureSettings.Default);
        _features = all.AsSpan(0, Frames * 4).ToArray();
        _envelope = new float[Frames];
        for (int f = 0; f < Frames; f++)
        {
            _envelope[f] = _features[f * 4];
        }

        _posteriors = new float[Frames * 4];
        _states = new HeartState[Frames];
        _baseline = SegmenterParameters.Load(Path.Combine(models, "baseline", "segmenter.json"));
        _logistic = _baseline.CreateModel();
        _segmenter = new SpringerSegmenter(Frames);
        RegisteredModel registered = new ModelRegistry(models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash());
        _neural = NeuralSegmenter.Load(registered);
        _onnx = _neural.CreateEmissionModel();
    }

    [GlobalCleanup]
    public void Cleanup() => _neural.Dispose();

    [Benchmark(Description = "logistic emissions, 500 frames")]
    public void Logistic() => _logistic.Predict(_features, 4, _posteriors);

    [Benchmark(Description = "ONNX segmenter emissions, 500 frames (batched windows)")]
    public void Onnx() => _onnx.Predict(_features, _posteriors);

    /// <summary>The decode before heart-rate candidates: one HSMM pass with a fixed rate (what the candidates cost extra).</summary>
    [Benchmark(Description = "HSMM decode, one fixed heart rate, 500 frames")]
    public int DecodeFixedRate()
    {
        _logistic.Predict(_features, 4, _posteriors);
        _sounds.Clear();
        _segmenter.DecodePosteriors(_posteriors, new HeartRateEstimate(80, 0.3, 1), _baseline, _states, _sounds);
        return _sounds.Count;
    }

    [Benchmark(Description = "HSMM decode with HR candidates, 500 frames")]
    public int Decode()
    {
        _logistic.Predict(_features, 4, _posteriors);
        _sounds.Clear();
        _segmenter.DecodePosteriors(_posteriors, _envelope, _baseline, _states, _sounds);
        return _sounds.Count;
    }
}
