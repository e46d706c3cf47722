using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Training.Data;
using HeartStream.Training.Models;
using HeartStream.TestSupport;

namespace HeartStream.Training.Tests.Models;

/// <summary>A CI-sized classifier run on the committed samples: a few steps, ORT validation, packaging and serving.</summary>
public sealed class ClassifierTrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-classifier-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Train_SampleRecordings_PackagedClassifierServesProbabilities()
    {
        IReadOnlyList<LabelledClip> clips = Samples();
        var options = new ClassifierTrainingOptions { Width = 8, WindowFrames = 128, HopFrames = 64, BatchSize = 4, Epochs = 2, StepsPerEpoch = 3, WarmupSteps = 1 };

        var result = ClassifierTrainer.Train(ClassificationTask.Abnormal, clips, clips, 4, options);

        Assert.InRange(result.Validation.Macc!.Value, 0, 1);
        ModelManifest manifest = ModelPackager.SaveClassifier(
            result.Model, ClassificationTask.Abnormal, _root, "0.1.0", FeatureSettings.Default, result.Architecture, result.Seconds, "samples", "none",
            new Dictionary<string, double>(), "test", options.WindowFrames, options.HopFrames);
        RegisteredModel registered = new ModelRegistry(_root).Resolve("classifier-abnormal", FeatureSettings.Default.Hash());
        Assert.Equal(["normal", "abnormal"], registered.Manifest.Classes);
        Assert.Equal("classifier", manifest.Kind);

        using OnnxSession session = OnnxSession.Load(registered.ModelPath);
        IReadOnlyList<float[]> p = ClassifierEvaluation.Predict(session, clips, options.WindowFrames, options.HopFrames);
        Assert.All(p, row => Assert.Equal(1f, row.Sum(), 4));
    }

    private static IReadOnlyList<LabelledClip> Samples()
    {
        // Labels are arbitrary here (the samples are not a labelled set): the test checks the plumbing, not accuracy.
        string circor = Path.Combine(RepoPaths.Samples, "circor");
        string physionet = Path.Combine(RepoPaths.Samples, "physionet2016");
        (string Path, int Label)[] files =
        [
            (Path.Combine(physionet, "a0002.wav"), 1), (Path.Combine(physionet, "a0035.wav"), 0),
            (Path.Combine(circor, "13918_AV.wav"), 0), (Path.Combine(circor, "46532_AV.wav"), 1),
        ];
        return ClassifierData.Load(
            [.. files.Select(f => (new RecordingInfo { Dataset = DatasetKind.PhysioNet2016, Id = Path.GetFileNameWithoutExtension(f.Path), PatientId = f.Path, WavPath = f.Path, SubSet = "samples" }, f.Label))],
            FeatureSettings.Default);
    }
}
