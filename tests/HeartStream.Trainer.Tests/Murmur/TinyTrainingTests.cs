using HeartStream.Pipeline.Features;
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
