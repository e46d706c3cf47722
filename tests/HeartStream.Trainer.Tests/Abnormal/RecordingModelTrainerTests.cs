using HeartStream.Pipeline.Features;
using HeartStream.TestSupport;
using HeartStream.Trainer.Abnormal;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Tests.Abnormal;

/// <summary>
/// The normal/abnormal head end to end on the two committed PhysioNet 2016 recordings (a0002 abnormal, a0035 normal,
/// their real labels): the PhysioNet reader, the shared features, a few TorchSharp steps, served probabilities. It
/// checks the machinery, not accuracy.
/// </summary>
public sealed class RecordingModelTrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hs-abnormal-" + Guid.NewGuid().ToString("N"));

    public RecordingModelTrainerTests()
    {
        string folder = Path.Combine(_root, "physionet2016", "training-a");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "REFERENCE.csv"), "a0002,1\na0035,-1\n");
        foreach (string id in new[] { "a0002", "a0035" })
        {
            File.Copy(Path.Combine(RepoPaths.Samples, "physionet2016", id + ".wav"), Path.Combine(folder, id + ".wav"));
        }
    }

    [Fact]
    public void TrainsAndScoresRecordings()
    {
        IReadOnlyList<LabelledRecording> recordings = LabelledRecording.LoadAbnormal(PhysioNet2016Reader.Read(_root), FeatureSettings.Default, SpectrogramSettings.Default);
        Assert.Equal(2, recordings.Count);
        Assert.Equal(1, recordings.Single(r => r.Info.Id == "a0002").Label);
        Assert.Equal("training-a", recordings[0].Database);

        var spec = new FrameTcnSpec { InputChannels = recordings[0].Channels, Classes = 2, Width = 8, Dilations = [1, 2] };
        var options = new FrameTrainingOptions { Epochs = 2, StepsPerEpoch = 4, BatchSize = 4, WarmupSteps = 1, Threads = 1, CropFrames = 250 };
        var lines = new List<string>();
        using nn.Module<Tensor, Tensor> model = RecordingModelTrainer.Train(spec, recordings, options, FeatureSettings.Default.Channels, lines.Add);

        Assert.Equal(2, lines.Count);
        foreach (LabelledRecording r in recordings)
        {
            float[] p = RecordingModelTrainer.Probabilities(model, r, 2, 250, FeatureSettings.Default.Channels);
            Assert.Equal(2, p.Length);
            Assert.Equal(1f, p[0] + p[1], 4);
            Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        }
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
