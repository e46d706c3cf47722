using System.Collections.Concurrent;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Models;

/// <summary>
/// Loads labelled recordings for the neural segmenter: features from <see cref="RecordingAnalyzer.PrepareFeatures"/>
/// (the serving path, by construction) and frame labels from the CirCor segmentations. Features can be cached on disk
/// under a folder named by the feature-settings hash, so a settings change can never reuse stale features.
/// </summary>
public static class SegmenterData
{
    /// <summary>Loads one WAV + CirCor .tsv pair.</summary>
    public static LabelledRecording Load(string id, string wavPath, string tsvPath, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        WavAudio audio = WavReader.Read(wavPath);
        float[] features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, settings);
        return Label(id, features, tsvPath, settings);
    }

    /// <summary>Loads every case (in parallel), using <paramref name="cacheDirectory"/> for features when given.</summary>
    public static IReadOnlyList<LabelledRecording> Load(
        IReadOnlyList<SegmentationBenchmarkCase> cases, FeatureSettings settings, string? cacheDirectory = null, int maxParallelism = 2)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(settings);
        return LoadAll(
            cases.Count,
            i => cases[i].Recording,
            (i, features) => Label(cases[i].Recording.Id, features, cases[i].Recording.AnnotationPath!, settings) with { Reference = cases[i].Reference, Span = cases[i].Span },
            new FeatureCache(settings, cacheDirectory),
            maxParallelism,
            "training");
    }

    /// <summary>Features of every recording (in parallel, through the cache) made into labelled recordings; one error naming up to 5 unreadable files.</summary>
    private static LabelledRecording[] LoadAll(
        int count, Func<int, RecordingInfo> recording, Func<int, float[], LabelledRecording> make, FeatureCache cache, int maxParallelism, string what)
    {
        var result = new LabelledRecording[count];
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, i =>
        {
            RecordingInfo r = recording(i);
            try
            {
                result[i] = make(i, cache.Get(r));
            }
            catch (IOException e)
            {
                failures.Add($"{r.Id}: {e.Message}");
            }
        });

        if (!failures.IsEmpty)
        {
            throw new InvalidDataException($"cannot read {what} recordings: " + string.Join("; ", failures.Order(StringComparer.Ordinal).Take(5)));
        }

        return result;
    }

    private static LabelledRecording Label(string id, float[] features, string tsvPath, FeatureSettings settings)
    {
        int frames = features.Length / settings.Channels;
        var segments = CirCorSegmentation.Read(tsvPath);
        int[] labels = Array.ConvertAll(CirCorSegmentation.ToFrameLabels(segments, frames), l => (int)l);
        AnnotatedSpan span = CirCorSegmentation.AnnotatedSpan(segments) ?? new AnnotatedSpan(0, (double)frames / settings.FrameRate);
        return new LabelledRecording(id, features, labels, CirCorSegmentation.ToHeartSounds(segments), span);
    }
}
