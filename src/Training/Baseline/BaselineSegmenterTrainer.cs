using System.Collections.Concurrent;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Baseline;

/// <summary>
/// Trains the Springer-style baseline on CirCor's training patients: features from
/// <see cref="RecordingAnalyzer.PrepareFeatures"/> (the serving code), frame labels from the expert-corrected
/// segmentations, one-vs-rest logistic emissions, then the sound time offset measured on the same training
/// recordings (median of detected minus reference centre over matched sounds) so that the causal filters' lag is
/// undone at serving time. Deterministic: same data, same parameters.
/// </summary>
public static class BaselineSegmenterTrainer
{
    /// <summary>Only pairs closer than this feed the offset estimate.</summary>
    private const double OffsetMatchSeconds = 0.1;

    public static SegmenterParameters Train(string dataRoot, FeatureSettings settings, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<SegmentationBenchmarkCase> cases = SegmentationCases.CirCor(dataRoot, SplitPart.Train);
        if (cases.Count == 0)
        {
            throw new InvalidDataException($"no annotated CirCor training recordings under {dataRoot}");
        }

        var features = new float[cases.Count][];
        var labels = new int[cases.Count][];
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, cases.Count, i =>
        {
            try
            {
                WavAudio audio = WavReader.Read(cases[i].Recording.WavPath);
                features[i] = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, settings);
                int frames = features[i].Length / settings.Channels;
                sbyte[] frameLabels = CirCorSegmentation.ToFrameLabels(CirCorSegmentation.Read(cases[i].Recording.AnnotationPath!), frames);
                labels[i] = Array.ConvertAll(frameLabels, l => (int)l);
            }
            catch (IOException e)
            {
                failures.Add(e.Message);
            }
        });

        if (!failures.IsEmpty)
        {
            throw new InvalidDataException("cannot read training recordings: " + string.Join("; ", failures));
        }

        progress?.Report($"features for {cases.Count} recordings ({features.Sum(f => f.Length) / settings.Channels} frames); fitting logistic emissions");
        LogisticEmissionModel model = LogisticEmissionTrainer.Fit(features, labels, settings.Channels);
        var parameters = SegmenterParameters.FromModel(model) with
        {
            FeatureSettingsHash = settings.Hash(),
            TrainedOn = $"CirCor training split ({cases.Count} recordings, patient-wise split seed {PatientSplit.DefaultSeed}), {DateTime.UtcNow:yyyy-MM-dd}",
        };

        double offset = MeasureOffset(cases, parameters, settings);
        progress?.Report($"sound time offset: {offset * 1000:0.0} ms");
        return parameters with { SoundOffsetSeconds = Math.Round(offset, 4) };
    }

    private static double MeasureOffset(IReadOnlyList<SegmentationBenchmarkCase> cases, SegmenterParameters parameters, FeatureSettings settings)
    {
        var differences = new ConcurrentBag<double>();
        Parallel.For(
            0,
            cases.Count,
            () => new RecordingAnalyzer(parameters, settings),
            (i, _, analyzer) =>
            {
                RecordingAnalysis analysis = analyzer.Analyze(WavReader.Read(cases[i].Recording.WavPath));
                foreach (HeartSound d in analysis.Sounds)
                {
                    double best = double.MaxValue;
                    foreach (HeartSound r in cases[i].Reference)
                    {
                        double diff = d.CentreSeconds - r.CentreSeconds;
                        if (r.Type == d.Type && Math.Abs(diff) < Math.Abs(best))
                        {
                            best = diff;
                        }
                    }

                    if (Math.Abs(best) < OffsetMatchSeconds)
                    {
                        differences.Add(best);
                    }
                }

                return analyzer;
            },
            _ => { });

        double[] sorted = [.. differences.Order()];
        return sorted.Length == 0 ? 0 : -sorted[sorted.Length / 2];
    }
}
