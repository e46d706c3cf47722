using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Baseline;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using HeartStream.Training.Tests.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Baseline;

/// <summary>The baseline trainer end to end on the two CirCor samples (a few seconds), and its refusals.</summary>
public sealed class BaselineSegmenterTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Train_TwoCirCorSamples_ValidParametersThatSegmentTheirTrainingRecordings()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        var messages = new List<string>();
        SegmenterParameters p = BaselineSegmenterTrainer.Train(data.Path, FeatureSettings.Default, new SyncProgress(messages));
        output.WriteLine(string.Join("\n", messages));
        output.WriteLine($"offset {p.SoundOffsetSeconds * 1000:0.0} ms, weights [{string.Join(", ", p.Weights.Select(w => w.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}]");

        p.Validate();
        Assert.Equal(FeatureSettings.Default.Hash(), p.FeatureSettingsHash);
        Assert.Equal(FeatureSettings.Default.Channels, p.Channels);
        Assert.StartsWith("CirCor training split (2 recordings", p.TrainedOn, StringComparison.Ordinal);
        Assert.Contains(messages, m => m.StartsWith("features for 2 recordings", StringComparison.Ordinal));
        Assert.InRange(Math.Abs(p.SoundOffsetSeconds), 0, 0.1);

        // What was learnt must segment the recordings it was learnt from (the real scoring rule, 60 ms).
        var cases = SegmentationCases.CirCor(data.Path, SplitPart.Train);
        Assert.Equal(2, cases.Count);
        var failures = new List<string>();
        EvaluationReport report = SegmentationEvaluator.Evaluate(cases, () => new RecordingAnalyzer(p), 0.060, failures: failures);
        output.WriteLine($"training-set F1 at 60 ms: {report.F1:0.000} (Se {report.Se:0.000}, PPV {report.Ppv:0.000})");
        Assert.Empty(failures);
        Assert.True(report.F1 >= 0.8, $"training-set F1 {report.F1:0.000} below 0.8");
    }

    [Fact]
    public void Train_SameData_SameParameters()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        SegmenterParameters a = BaselineSegmenterTrainer.Train(data.Path, FeatureSettings.Default);
        SegmenterParameters b = BaselineSegmenterTrainer.Train(data.Path, FeatureSettings.Default);
        Assert.Equal(a.Weights, b.Weights);
        Assert.Equal(a.SoundOffsetSeconds, b.SoundOffsetSeconds);
    }

    [Fact]
    public void Train_NoRecordings_ThrowsNamingTheFolder()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        foreach (string id in SampleCirCorData.Ids)
        {
            File.Delete(SampleCirCorData.WavPath(data, id));
        }

        var e = Assert.Throws<InvalidDataException>(() => BaselineSegmenterTrainer.Train(data.Path, FeatureSettings.Default));
        Assert.Equal($"no annotated CirCor training recordings under {data.Path}", e.Message);
    }

    [Fact]
    public void Train_TruncatedRecording_ThrowsNamingTheFileAndProblem()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        string broken = SampleCirCorData.WavPath(data, "46532_AV");
        SampleCirCorData.Truncate(broken);
        var e = Assert.Throws<InvalidDataException>(() => BaselineSegmenterTrainer.Train(data.Path, FeatureSettings.Default));
        Assert.StartsWith("cannot read training recordings: ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"WAV '{broken}': truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_OtherFeatureSettings_ParametersCarryTheirHashAndServingRefusesThem()
    {
        // A model trained on other features must be refused by a build computing the default ones.
        using TempDataRoot data = SampleCirCorData.Create();
        var settings = FeatureSettings.Default with { HomomorphicCutoffHz = 6 };
        SegmenterParameters p = BaselineSegmenterTrainer.Train(data.Path, settings);
        Assert.Equal(settings.Hash(), p.FeatureSettingsHash);
        _ = new RecordingAnalyzer(p, settings).Analyze(WavReader.Read(SampleCirCorData.WavPath(data, "13918_AV")));
        var e = Assert.Throws<InvalidDataException>(() => new RecordingAnalyzer(p));
        Assert.Contains("retrain", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Progress that records synchronously (Progress&lt;T&gt; posts to the thread pool, so messages could arrive late).</summary>
    private sealed class SyncProgress(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
