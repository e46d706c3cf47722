using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;
using HeartStream.Training.Tests.Baseline;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using HeartStream.Training.Tests.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Evaluation;

/// <summary>
/// <see cref="SegmentationEvaluator"/> on the two CirCor samples with the shipped baseline: the real scoring rule as a
/// regression guard, and unreadable recordings reported as failures instead of vanishing from the denominator.
/// </summary>
public sealed class SegmentationEvaluatorTests(ITestOutputHelper output)
{
    /// <summary>
    /// Measured with the shipped baseline (commit 41c997b): F1 0.887 at 60 ms (S1 22/24/24, S2 21/25/24); the bound
    /// sits a little below it.
    /// </summary>
    private const double F1Bound = 0.85;

    private static SegmenterParameters Baseline => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

    [Fact]
    public void Evaluate_CirCorSamplesWithShippedBaseline_F1AboveRegressionBound()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        SegmenterParameters baseline = Baseline;
        var failures = new List<string>();
        EvaluationReport report = SegmentationEvaluator.Evaluate(SegmentationCases.CirCor(data.Path, null), () => new RecordingAnalyzer(baseline), 0.060, failures: failures);
        output.WriteLine(report.ToJson());
        Assert.Empty(failures);
        Assert.Equal(2, report.Recordings);
        Assert.Equal(49, report.S1.References + report.S2.References);
        Assert.True(report.F1 >= F1Bound, $"F1 {report.F1:0.000} at 60 ms fell below the regression bound {F1Bound}");
    }

    [Fact]
    public void Evaluate_TruncatedAndMissingRecordings_ReportedAsFailuresNotDropped()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        IReadOnlyList<SegmentationBenchmarkCase> cases = SegmentationCases.CirCor(data.Path, null);
        string truncated = SampleCirCorData.WavPath(data, "46532_AV");
        SampleCirCorData.Truncate(truncated);
        string missing = Path.Combine(data.Path, "circor", "training_data", "99999_AV.wav");
        var ghost = cases[0] with { Recording = cases[0].Recording with { Id = "99999_AV", WavPath = missing } };
        SegmenterParameters baseline = Baseline;
        var failures = new List<string>();

        EvaluationReport report = SegmentationEvaluator.Evaluate([.. cases, ghost], () => new RecordingAnalyzer(baseline), 0.060, failures: failures);

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Contains($"WAV '{truncated}': truncated", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains(missing, StringComparison.Ordinal));
        Assert.Equal(1, report.Recordings);
        Assert.Equal(["13918_AV"], report.PerRecording!.Select(r => r.Id));
    }

    [Fact]
    public void Evaluate_ProgressReportsEveryCaseIncludingFailures()
    {
        using TempDataRoot data = SampleCirCorData.Create();
        IReadOnlyList<SegmentationBenchmarkCase> cases = SegmentationCases.CirCor(data.Path, SplitPart.Train);
        SampleCirCorData.Truncate(SampleCirCorData.WavPath(data, "13918_AV"));
        SegmenterParameters baseline = Baseline;
        var seen = new System.Collections.Concurrent.ConcurrentBag<int>();
        SegmentationEvaluator.Evaluate(cases, () => new RecordingAnalyzer(baseline), 0.060, new SyncProgress(seen));
        Assert.Equal([1, 2], seen.Order());
    }

    private sealed class SyncProgress(System.Collections.Concurrent.ConcurrentBag<int> seen) : IProgress<int>
    {
        public void Report(int value) => seen.Add(value);
    }
}
