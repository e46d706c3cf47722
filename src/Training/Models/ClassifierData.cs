using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using HeartStream.Capture.Audio;
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
        string? cache = cacheDirectory is null ? null : Path.Combine(cacheDirectory, settings.Hash()[..16]);
        if (cache is not null)
        {
            Directory.CreateDirectory(cache);
        }

        var result = new LabelledClip?[recordings.Count];
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, recordings.Count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, i =>
        {
            RecordingInfo r = recordings[i].Recording;
            try
            {
                string? cached = cache is null ? null : Path.Combine(cache, r.Dataset + "_" + r.Id + ".f32");
                float[] features;
                if (cached is not null && File.Exists(cached))
                {
                    features = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(cached)).ToArray();
                }
                else
                {
                    WavAudio audio = WavReader.Read(r.WavPath);
                    features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, settings);
                    if (cached is not null)
                    {
                        File.WriteAllBytes(cached + ".tmp", MemoryMarshal.AsBytes(features.AsSpan()).ToArray());
                        File.Move(cached + ".tmp", cached, overwrite: true);
                    }
                }

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
