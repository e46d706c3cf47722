using System.Collections.Concurrent;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// Runs the offline analyzer over evaluation cases (in parallel, one analyzer per worker) and pools the scores with
/// the rule of <see cref="SegmentationScorer"/> and the heart-rate error of <see cref="HeartRateError"/>. A recording
/// that cannot be read is reported and counted as failed, not silently dropped.
/// </summary>
public static class SegmentationEvaluator
{
    public static EvaluationReport Evaluate(
        IReadOnlyList<SegmentationBenchmarkCase> cases,
        Func<RecordingAnalyzer> analyzerFactory,
        double toleranceSeconds,
        IProgress<int>? progress = null,
        IList<string>? failures = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(analyzerFactory);
        var detections = new IReadOnlyList<HeartSound>?[cases.Count];
        var errors = new ConcurrentBag<string>();
        int done = 0;
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            analyzerFactory,
            (i, _, analyzer) =>
            {
                try
                {
                    WavAudio audio = WavReader.Read(cases[i].Recording.WavPath);
                    detections[i] = analyzer.Analyze(audio).Sounds;
                }
                catch (IOException e)
                {
                    errors.Add(e.Message);
                }

                progress?.Report(Interlocked.Increment(ref done));
                return analyzer;
            },
            _ => { });

        var pool = new SegmentationScoreAccumulator();
        var hr = new HeartRateError();
        var rows = new List<RecordingEvaluation>();
        for (int i = 0; i < cases.Count; i++)
        {
            if (detections[i] is not { } detected)
            {
                continue;
            }

            SegmentationBenchmarkCase c = cases[i];
            SoundScores scores = pool.Add(c.Reference, detected, toleranceSeconds, c.Span);
            IReadOnlyList<HeartRateWindow> windows = hr.Add(c.Reference, detected, c.Span);
            rows.Add(RecordingEvaluation.From(c.Recording.Id, scores, windows));
        }

        if (failures is not null)
        {
            foreach (string e in errors.Order(StringComparer.Ordinal))
            {
                failures.Add(e);
            }
        }

        return EvaluationReport.Create(pool, toleranceSeconds, hr, rows);
    }
}
