using System.Runtime.InteropServices;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Training.Data;

namespace HeartStream.Training.Models;

/// <summary>
/// The serving features of a recording (<see cref="RecordingAnalyzer.PrepareFeatures"/>), optionally cached on disk
/// in a folder named by the feature-settings hash, so a settings change never reuses stale features. Safe to use from
/// several threads: each recording has its own file, written to a temporary name and moved into place.
/// </summary>
public sealed class FeatureCache
{
    private readonly FeatureSettings _settings;
    private readonly string? _directory;

    /// <param name="cacheDirectory">Root of the cache, or null to compute every time.</param>
    public FeatureCache(FeatureSettings settings, string? cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        if (cacheDirectory is not null)
        {
            _directory = Path.Combine(cacheDirectory, settings.Hash()[..16]);
            Directory.CreateDirectory(_directory);
        }
    }

    /// <summary>Frame-major normalised features of <paramref name="recording"/>; throws IOException for an unreadable file.</summary>
    public float[] Get(RecordingInfo recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        string? cached = _directory is null ? null : Path.Combine(_directory, recording.Dataset + "_" + recording.Id + ".f32");
        if (cached is not null && File.Exists(cached))
        {
            return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(cached)).ToArray();
        }

        WavAudio audio = WavReader.Read(recording.WavPath);
        float[] features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, _settings);
        if (cached is not null)
        {
            File.WriteAllBytes(cached + ".tmp", MemoryMarshal.AsBytes(features.AsSpan()).ToArray());
            File.Move(cached + ".tmp", cached, overwrite: true);
        }

        return features;
    }
}
