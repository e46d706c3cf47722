using System.Collections.Concurrent;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Training.Data;

namespace HeartStream.Training.Models;

/// <summary>
/// Loads recordings for a classifier with the serving features (<see cref="RecordingAnalyzer.PrepareFeatures"/>),
/// optionally cached on disk under the feature-settings hash. Recordings shorter than <see cref="MinimumFrames"/> are
/// skipped (too short to classify); an unreadable file fails the load with its name.
/// </summary>
public static class ClassifierData
{
    public const int MinimumFrames = 25;

    public static IReadOnlyList<LabelledClip> Load(
        IReadOnlyList<(RecordingInfo Recording, int Label)> recordings, FeatureSettings settings, string? cacheDirectory = null, int maxParallelism = 2)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(settings);
        var cache = new FeatureCache(settings, cacheDirectory);

        var result = new LabelledClip?[recordings.Count];
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, recordings.Count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, i =>
        {
            RecordingInfo r = recordings[i].Recording;
            try
            {
                float[] features = cache.Get(r);

                if (features.Length / settings.Channels >= MinimumFrames)
                {
                    result[i] = new LabelledClip(r.Id, r.Dataset + "/" + r.PatientId, features, recordings[i].Label);
                }
            }
            catch (IOException e)
            {
                failures.Add($"{r.Id}: {e.Message}");
            }
        });

        if (!failures.IsEmpty)
        {
            throw new InvalidDataException("cannot read recordings: " + string.Join("; ", failures.Order(StringComparer.Ordinal).Take(5)));
        }

        return [.. result.OfType<LabelledClip>()];
    }
}
