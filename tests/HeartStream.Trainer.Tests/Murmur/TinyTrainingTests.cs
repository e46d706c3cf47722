using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.TestSupport;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Tests.Murmur;

/// <summary>
/// The whole path on the two committed CirCor recordings in a few steps: the shared feature path, murmur targets,
/// TorchSharp training, ONNX export, ORT parity on a real recording. The murmur labels here are the test's own (13918
/// is marked heard at AV, holosystolic, so the murmur class has frames); it checks the machinery, not accuracy.
/// </summary>
public sealed class TinyTrainingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hs-trainer-" + Guid.NewGuid().ToString("N"));

    public TinyTrainingTests()
    {
        string audio = Path.Combine(_root, "circor", "training_data");
        Directory.CreateDirectory(audio);
        File.WriteAllText(
            Path.Combine(_root, "circor", "training_data.csv"),
            "Patient ID,Murmur,Murmur locations,Systolic murmur timing,Diastolic murmur timing,Outcome,Additional ID\n" +
            "13918,Present,AV+TV,Holosystolic,nan,Abnormal,nan\n46532,Absent,nan,nan,nan,Normal,nan\n");
        foreach (string id in new[] { "13918_AV", "46532_AV" })
        {
            File.Copy(Path.Combine(RepoPaths.Samples, "circor", id + ".wav"), Path.Combine(audio, id + ".wav"));
            File.Copy(Path.Combine(RepoPaths.Samples, "circor", id + ".tsv"), Path.Combine(audio, id + ".tsv"));
        }
    }

    [Fact]
    public void TrainsExportsAndMatchesInOnnxRuntime()
    {
        IReadOnlyList<RecordingInfo> infos = CirCorReader.Read(_root);
        IReadOnlyList<MurmurRecording> recordings = MurmurRecording.LoadAll(infos, FeatureSettings.Default, SpectrogramSettings.Default);
        Assert.Equal(2, recordings.Count);
        MurmurRecording present = recordings.Single(r => r.Info.Id == "13918_AV");
        Assert.True(present.MurmurFrames > 50, $"{present.MurmurFrames} murmur frames");
        Assert.Equal(0, recordings.Single(r => r.Info.Id == "46532_AV").MurmurFrames);

        var spec = new FrameTcnSpec { InputChannels = present.Channels, Classes = MurmurFrameLabels.Classes, Width = 8, Dilations = [1, 2, 4] };
        var options = new FrameTrainingOptions { Epochs = 2, StepsPerEpoch = 5, BatchSize = 4, WarmupSteps = 2, Threads = 1 };
        var lines = new List<string>();
        using nn.Module<Tensor, Tensor> model = FrameModelTrainer.Train(spec, recordings, options, FeatureSettings.Default.Channels, lines.Add);
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("epoch 2/2: loss ", lines[1], StringComparison.Ordinal);

        float[] torchPosteriors = FrameModelInference.Posteriors(model, present, spec.Classes, present.Frames, FeatureSettings.Default.Channels);
        using var session = new InferenceSession(TorchOnnxExporter.FrameModel(model, spec.InputChannels, spec.Classes, "murmur").ToBytes());
        float[] window = (float[])present.Features.Clone();
        SpectralFeatures.NormalizeWindow(window, present.Channels, present.Frames, FeatureSettings.Default.Channels);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("features", new DenseTensor(window, [1, present.Channels, present.Frames]))]);
        float[] ort = results.Single().AsEnumerable<float>().ToArray();
        Assert.Equal(torchPosteriors.Length, ort.Length);
        Assert.All(Enumerable.Range(0, ort.Length), i => Assert.True(Math.Abs(ort[i] - torchPosteriors[i]) <= 1e-4f, $"element {i}: {ort[i]} vs {torchPosteriors[i]}"));
        double score = MurmurDecision.RecordingScore(ort, present.Frames);
        Assert.InRange(score, 0, 1);
    }

    [Fact]
    public void ShippedPackage_LoadsAsFrameClassifierAndMatchesTorchSharp()
    {
        IReadOnlyList<MurmurRecording> recordings = MurmurRecording.LoadAll(CirCorReader.Read(_root), FeatureSettings.Default, SpectrogramSettings.Default);
        var spec = new FrameTcnSpec { InputChannels = recordings[0].Channels, Classes = MurmurFrameLabels.Classes, Width = 8, Dilations = [1, 2] };
        var options = new FrameTrainingOptions { Epochs = 1, StepsPerEpoch = 3, BatchSize = 4, WarmupSteps = 1, Threads = 1 };
        using nn.Module<Tensor, Tensor> model = FrameModelTrainer.Train(spec, recordings, options, FeatureSettings.Default.Channels);
        var rule = new MurmurRule { UnknownAt = 0.1, PresentAt = 0.2, CalibrationSlope = 1.5, CalibrationIntercept = 0.5, TrainingPrevalence = 0.4 };
        string registry = Path.Combine(_root, "models");

        ModelManifest written = MurmurModelPackager.Save(model, spec, rule, registry, "classifier-murmur", "9.0.0", 128, FeatureSettings.Default, SpectrogramSettings.Default,
            "two committed recordings", "none", 1, new Dictionary<string, double> { ["cv_weighted_accuracy"] = 0.5 }, "test");

        RegisteredModel resolved = new ModelRegistry(registry).Resolve("classifier-murmur", FeatureSettings.Default.Hash(), "9.0.0");
        Assert.Equal(ModelManifest.FrameClassifierKind, resolved.Manifest.Kind);
        Assert.Equal(rule, resolved.Manifest.Murmur);
        Assert.Equal(written.Sha256, resolved.Manifest.Sha256);
        using FrameClassifierModel served = FrameClassifierModel.Load(resolved);
        served.SelfTest();
        Assert.Equal(128, served.WindowFrames);
        foreach (MurmurRecording r in recordings)
        {
            // The serving path (ONNX Runtime, windows of 128 every 64 frames) against TorchSharp on the same windows.
            float[] torch = FrameModelInference.Posteriors(model, r, spec.Classes, 128, FeatureSettings.Default.Channels);
            float[] ort = served.Posteriors(r.Features, r.Frames);
            Assert.Equal(torch.Length, ort.Length);
            float worst = 0;
            for (int i = 0; i < ort.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(torch[i] - ort[i]));
            }

            Assert.True(worst <= 1e-4f, $"{r.Info.Id}: largest difference {worst}");
            Assert.Equal(MurmurDecision.RecordingScore(torch, r.Frames), served.Evidence(ort, r.Frames).Score, 4);
        }
    }

    [Fact]
    public void Calibrate_SyntheticLogisticScores_RecoversSlopeAndIntercept()
    {
        // Synthetic scores (not data): logit P(Present) = 2 logit(score) + 1 exactly, drawn with a fixed seed.
        var random = new Random(7);
        var scores = new List<PatientScore>();
        for (int i = 0; i < 4000; i++)
        {
            double score = random.NextDouble() * 0.98 + 0.01;
            double p = 1 / (1 + Math.Exp(-((2 * Math.Log(score / (1 - score))) + 1)));
            scores.Add(new PatientScore($"p{i}", random.NextDouble() < p ? MurmurStatus.Present : MurmurStatus.Absent, score, 0));
        }

        (double slope, double intercept) = MurmurModelPackager.Calibrate(scores);

        Assert.InRange(slope, 1.8, 2.2);
        Assert.InRange(intercept, 0.8, 1.2);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
