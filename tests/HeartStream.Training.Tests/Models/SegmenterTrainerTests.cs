using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Models;
using HeartStream.Training.Nn;
using HeartStream.TestSupport;

namespace HeartStream.Training.Tests.Models;

/// <summary>
/// The CI-sized end-to-end run on the committed CirCor samples: a few training steps, validation through ORT and the
/// HSMM, packaging into a registry folder, loading it back through <see cref="ModelRegistry"/> and analysing a WAV,
/// plus ORT-vs-forward parity of the trained model on real features.
/// </summary>
public sealed class SegmenterTrainerTests : IDisposable
{
    private static readonly SegmenterTrainingOptions s_tiny = new()
    {
        Channels = 6,
        Layers = 3,
        KernelSize = 3,
        BatchSize = 4,
        WindowFrames = 128,
        HopFrames = 64,
        Epochs = 2,
        StepsPerEpoch = 3,
        WarmupSteps = 1,
        ValidationDecodeRecordings = 1,
        Patience = 5,
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-models-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Train_SampleRecordings_PackagedModelLoadsAndAnalyses()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();
        SegmenterParameters baseline = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

        SegmenterTrainingResult result = SegmenterTrainer.Train([first], [second], baseline, s_tiny);

        Assert.Equal(2, result.History.Count);
        Assert.All(result.History, e => Assert.True(double.IsFinite(e.TrainLoss) && e.ValFrameAccuracy is >= 0 and <= 1 && e.ValF1 is >= 0 and <= 1));
        Assert.Equal(1.0, result.Decoder.StatePriors.Sum(), 3);
        ModelManifest manifest = ModelPackager.SaveSegmenter(
            result, _root, "tiny", "0.1.0", FeatureSettings.Default, "samples", "none", new Dictionary<string, double>(), "test", s_tiny.WindowFrames, s_tiny.HopFrames);
        Assert.Equal(result.Model.ParameterCount, manifest.ParameterCount);

        RegisteredModel registered = new ModelRegistry(_root).Resolve("tiny", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(registered);
        RecordingAnalysis analysis = segmenter.CreateAnalyzer().Analyze(WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav")));

        Assert.Equal(AnalysisStatus.Ok, analysis.Status);
        Assert.Equal(manifest.Sha256, ModelRegistry.Sha256Of(registered.ModelPath));
    }

    [Fact]
    public void Train_SampleRecordings_OrtMatchesForwardOnRealFeatures()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();
        SegmenterParameters baseline = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        SegmenterTrainingResult result = SegmenterTrainer.Train([first], [second], baseline, s_tiny with { Epochs = 1 });
        const int window = 200;
        var x = new Tensor(1, 4, window);
        var targets = new int[window];
        WindowSampler.CopyWindow(second, 50, 4, x.Data, targets);

        float[] expected = result.Model.Forward(x.Clone(), training: false).Data.ToArray();
        using OnnxSession session = OnnxSession.Load(OnnxModelExporter.Segmenter(result.Model, 4, 4).ToBytes());
        var actual = new float[4 * window];
        session.Run(OnnxModelExporter.InputName, x.Data, [1, 4, window], OnnxModelExporter.PosteriorsName, actual, [1, 4, window]);

        for (int t = 0; t < window; t++)
        {
            double max = Enumerable.Range(0, 4).Max(s => expected[(s * window) + t]);
            double sum = Enumerable.Range(0, 4).Sum(s => Math.Exp(expected[(s * window) + t] - max));
            for (int s = 0; s < 4; s++)
            {
                double p = Math.Exp(expected[(s * window) + t] - max) / sum;
                Assert.True(Math.Abs(p - actual[(s * window) + t]) <= 1e-5, $"frame {t} state {s}: forward {p}, ORT {actual[(s * window) + t]}");
            }
        }
    }

    [Fact]
    public void Train_SameSeedTwice_IdenticalWeightsAndHistory()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();
        SegmenterParameters baseline = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

        SegmenterTrainingResult a = SegmenterTrainer.Train([first], [second], baseline, s_tiny with { Epochs = 1 });
        SegmenterTrainingResult b = SegmenterTrainer.Train([first], [second], baseline, s_tiny with { Epochs = 1 });
        SegmenterTrainingResult other = SegmenterTrainer.Train([first], [second], baseline, s_tiny with { Epochs = 1, Seed = 99 });

        Assert.Equal(a.History[0].TrainLoss, b.History[0].TrainLoss);
        Assert.Equal(a.Model.Parameters.SelectMany(p => p.Value), b.Model.Parameters.SelectMany(p => p.Value));
        Assert.NotEqual(a.Model.Parameters.SelectMany(p => p.Value), other.Model.Parameters.SelectMany(p => p.Value));
    }

    [Fact]
    public void Fill_RecordingShorterThanWindow_PadsWithZerosAndIgnoredTargets()
    {
        var recording = new LabelledRecording("short", [.. Enumerable.Range(1, 12).Select(i => (float)i)], [0, 1, 2], [], new(0, 1));
        var sampler = new WindowSampler([recording], 4, 5, seed: 1);
        var x = new Tensor(2, 4, 5);
        var targets = new int[10];

        sampler.Fill(x, targets);

        Assert.Equal([0, 1, 2, -1, -1, 0, 1, 2, -1, -1], targets);
        Assert.Equal([1f, 5f, 9f, 0f, 0f], x.Data[..5]); // channel 0 of frames 0..2, then padding
        Assert.Equal([4f, 8f, 12f, 0f, 0f], x.Data[15..20]); // channel 3
    }

    [Fact]
    public void Train_DistilledFromATeacherThatAlwaysSaysSystole_StudentSaysSystole()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();
        SegmenterParameters baseline = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        var systole = new float[first.Frames * 4];
        for (int f = 0; f < first.Frames; f++)
        {
            systole[(f * 4) + (int)HeartState.Systole] = 1;
        }

        // Labels only: the real recording's states. Teacher only (weight 1): every frame systole, which the labels deny.
        SegmenterTrainingOptions options = s_tiny with { Epochs = 1, StepsPerEpoch = 40, LearningRate = 0.03, WarmupSteps = 1 };
        SegmenterTrainingResult labels = SegmenterTrainer.Train([first], [second], baseline, options);
        SegmenterTrainingResult taught = SegmenterTrainer.Train([first with { Teacher = systole }], [second], baseline, options with { DistillWeight = 1 });

        Assert.True(SystoleShare(taught, second) > 0.95, $"taught student: {SystoleShare(taught, second):P0} of frames systole");
        Assert.True(SystoleShare(labels, second) < 0.6, $"label-trained student: {SystoleShare(labels, second):P0} of frames systole");
    }

    [Fact]
    public void Train_DistillationWithoutTeacherPosteriors_ThrowsNamingTheRecording()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();
        SegmenterParameters baseline = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

        var e = Assert.Throws<ArgumentException>(() => SegmenterTrainer.Train([first], [second], baseline, s_tiny with { DistillWeight = 0.5 }));

        Assert.Contains(first.Id, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fill_WithTeacher_CopiesPosteriorsChannelMajorAndZerosThePadding()
    {
        float[] teacher = [.. Enumerable.Range(1, 12).Select(i => i / 100f)]; // 3 frames × 4 states
        var recording = new LabelledRecording("short", new float[12], [0, 1, 2], [], new(0, 1)) { Teacher = teacher };
        var withoutTeacher = new LabelledRecording("none", new float[12], [0, 1, 2], [], new(0, 1));
        var q = new Tensor(1, 4, 5);

        new WindowSampler([recording], 4, 5, seed: 1).Fill(new Tensor(1, 4, 5), new int[5], q);

        Assert.Equal([0.01f, 0.05f, 0.09f, 0f, 0f], q.Data[..5]); // state 0 of frames 0..2, then padding
        Assert.Equal([0.04f, 0.08f, 0.12f, 0f, 0f], q.Data[15..20]); // state 3
        new WindowSampler([withoutTeacher], 4, 5, seed: 1).Fill(new Tensor(1, 4, 5), new int[5], q);
        Assert.All(q.Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Unlabelled_RealRecording_ServingFeaturesEveryFrameUnknown()
    {
        string wav = Path.Combine(RepoPaths.Samples, "physionet2016", "a0002.wav");
        var info = new RecordingInfo { Dataset = DatasetKind.PhysioNet2016, Id = "a0002", PatientId = "a0002", WavPath = wav, SubSet = "training-a" };
        WavAudio audio = WavReader.Read(wav);

        LabelledRecording r = Assert.Single(SegmenterData.Unlabelled([info], FeatureSettings.Default));

        Assert.Equal(RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, FeatureSettings.Default), r.Features);
        Assert.Equal(r.Features.Length / 4, r.Frames);
        Assert.All(r.Labels, l => Assert.Equal(-1, l));
        Assert.Empty(r.Reference);
        Assert.Null(r.Teacher);
        var missing = info with { Id = "gone", WavPath = wav + ".missing" };
        var e = Assert.Throws<InvalidDataException>(() => SegmenterData.Unlabelled([missing], FeatureSettings.Default));
        Assert.Contains("gone", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fill_SameSeed_SameBatches()
    {
        (LabelledRecording first, _) = Samples();
        var a = new WindowSampler([first], 4, 64, seed: 9);
        var b = new WindowSampler([first], 4, 64, seed: 9);
        var xa = new Tensor(3, 4, 64);
        var xb = new Tensor(3, 4, 64);
        var ya = new int[192];
        var yb = new int[192];

        a.Fill(xa, ya);
        b.Fill(xb, yb);

        Assert.Equal(xa.Data, xb.Data);
        Assert.Equal(ya, yb);
        Assert.Contains(ya, y => y >= 0);
    }

    /// <summary>Share of the recording's frames whose most likely state, as the exported model runs in ORT, is systole.</summary>
    private static double SystoleShare(SegmenterTrainingResult result, LabelledRecording recording)
    {
        using OnnxSession session = OnnxSession.Load(OnnxModelExporter.Segmenter(result.Model, 4, 4).ToBytes());
        using var model = new OnnxEmissionModel(session, 128, 64);
        var posteriors = new float[recording.Frames * 4];
        model.Predict(recording.Features, posteriors);
        int systole = 0;
        for (int f = 0; f < recording.Frames; f++)
        {
            ReadOnlySpan<float> p = posteriors.AsSpan(f * 4, 4);
            systole += p.IndexOf(MaxOf(p)) == (int)HeartState.Systole ? 1 : 0;
        }

        return (double)systole / recording.Frames;
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    private static (LabelledRecording First, LabelledRecording Second) Samples()
    {
        string dir = Path.Combine(RepoPaths.Samples, "circor");
        return (
            SegmenterData.Load("13918_AV", Path.Combine(dir, "13918_AV.wav"), Path.Combine(dir, "13918_AV.tsv"), FeatureSettings.Default),
            SegmenterData.Load("46532_AV", Path.Combine(dir, "46532_AV.wav"), Path.Combine(dir, "46532_AV.tsv"), FeatureSettings.Default));
    }
}
