using System.Diagnostics;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;
using HeartStream.Trainer.Segmenter;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Models;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Tests.Segmenter;

/// <summary>
/// The CI-sized end-to-end run of the TorchSharp segmenter trainer on the two committed CirCor recordings (one to train
/// on, one to validate on): a few steps, export, ORT-vs-TorchSharp parity, validation through ORT and the HSMM,
/// packaging, and loading the package back through the registry to analyse a WAV. It checks the machinery, not accuracy.
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
        Threads = 1,
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-segmenter-" + Guid.NewGuid().ToString("N"));

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
        var lines = new List<string>();

        SegmenterTrainingResult result = SegmenterTrainer.Train([first], [second], Baseline(), s_tiny, lines.Add);

        Assert.Equal(2, result.History.Count);
        Assert.All(result.History, e => Assert.True(double.IsFinite(e.TrainLoss) && e.ValFrameAccuracy is >= 0 and <= 1 && e.ValF1 is >= 0 and <= 1));
        Assert.Contains(lines, l => l.StartsWith("epoch 2/2  loss ", StringComparison.Ordinal) && l.Contains("ORT-TorchSharp", StringComparison.Ordinal));
        Assert.InRange(result.OnnxMaxDifference, 0f, OnnxParity.Tolerance);
        Assert.Equal(1.0, result.Decoder.StatePriors.Sum(), 3);
        Assert.Equal(SegmenterTrainer.Spec(s_tiny, 4).ParameterCount, result.ParameterCount);
        ModelManifest manifest = ModelPackager.SaveSegmenter(
            result, _root, "tiny", "0.1.0", FeatureSettings.Default, "samples", "none", new Dictionary<string, double>(), "test", s_tiny.WindowFrames, s_tiny.HopFrames);

        RegisteredModel registered = new ModelRegistry(_root).Resolve("tiny", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(registered);
        RecordingAnalysis analysis = segmenter.CreateAnalyzer().Analyze(WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav")));

        Assert.Equal(AnalysisStatus.Ok, analysis.Status);
        Assert.Equal(manifest.Sha256, ModelRegistry.Sha256Of(registered.ModelPath));
        Assert.Equal(result.ParameterCount, manifest.ParameterCount);
    }

    [Fact]
    public void SegmenterLayout_ParameterCountAndReceptiveFieldAreSegmenterTcn11s()
    {
        FrameTcnSpec spec = SegmenterTrainer.Spec(new SegmenterTrainingOptions(), 4);
        torch.manual_seed(1);
        using nn.Module<Tensor, Tensor> model = spec.Build();

        Assert.Equal(49_804, spec.ParameterCount); // segmenter-tcn 1.1.0's manifest
        Assert.Equal(49_804, model.parameters().Sum(p => p.numel()));
        Assert.Equal(509, (2 * spec.HalfReceptiveField) + 1);
    }

    [Fact]
    public void Train_SameSeedTwice_IdenticalModelAndHistory()
    {
        (LabelledRecording first, LabelledRecording second) = Samples();

        SegmenterTrainingResult a = SegmenterTrainer.Train([first], [second], Baseline(), s_tiny with { Epochs = 1 });
        SegmenterTrainingResult b = SegmenterTrainer.Train([first], [second], Baseline(), s_tiny with { Epochs = 1 });
        SegmenterTrainingResult other = SegmenterTrainer.Train([first], [second], Baseline(), s_tiny with { Epochs = 1, Seed = 99 });

        Assert.Equal(a.History[0].TrainLoss, b.History[0].TrainLoss);
        Assert.Equal(a.Graph.ToBytes(), b.Graph.ToBytes());
        Assert.NotEqual(a.Graph.ToBytes(), other.Graph.ToBytes());
    }

    [Fact]
    public void WeightsAndPriors_RareStatesWeighedUpPriorsSumToOne()
    {
        var r = new LabelledRecording("r", new float[40], [0, 1, 1, 1, 3, 3, 3, 3, 3, -1], [], new(0, 1));

        (float[] weights, double[] priors) = SegmenterTrainer.WeightsAndPriors([r], 0.5);

        Assert.Equal(1.0, weights.Average(), 5);
        Assert.True(weights[0] > weights[1] && weights[1] > weights[3], string.Join(", ", weights));
        Assert.Equal(1.0, priors.Sum(), 5);
        Assert.Throws<ArgumentException>(() => SegmenterTrainer.WeightsAndPriors([r with { Labels = [-1, -1] }], 0.5));
    }

    [Theory]
    [InlineData("--version 0.0.1 --kernel 4", "--kernel must be odd and positive, got 4")]
    [InlineData("--version 0.0.1 --layers 1", "--layers must lie in 2..12, got 1")]
    [InlineData("--version 0.0.1 --no-heart-sounds-fraction 1.5", "--no-heart-sounds-fraction must lie in 0..1, got 1.5")]
    [InlineData("--version 0.0.1 --data /nonexistent/heartstream", "data folder /nonexistent/heartstream does not exist")]
    [InlineData("--version 0.0.1 --baseline /nonexistent/segmenter.json", "baseline parameters /nonexistent/segmenter.json do not exist")]
    public async Task Command_BadOption_ExitCode2NamingTheOptionWritingNothing(string options, string message)
    {
        string models = Path.Combine(_root, "models");
        Directory.CreateDirectory(models);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = RepoPaths.Root };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "heartstream-train.dll"), "segmenter", "--models", models, .. (options.Contains("--data", StringComparison.Ordinal) ? [] : (string[])["--data", _root]), .. options.Split(' ')])
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);

        Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {stderr} {await stdout}");
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(models));
    }

    private static SegmenterParameters Baseline() => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

    private static (LabelledRecording First, LabelledRecording Second) Samples()
    {
        string dir = Path.Combine(RepoPaths.Samples, "circor");
        return (
            SegmenterData.Load("13918_AV", Path.Combine(dir, "13918_AV.wav"), Path.Combine(dir, "13918_AV.tsv"), FeatureSettings.Default),
            SegmenterData.Load("46532_AV", Path.Combine(dir, "46532_AV.wav"), Path.Combine(dir, "46532_AV.tsv"), FeatureSettings.Default));
    }
}
