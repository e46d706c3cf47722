using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Abnormal;

/// <summary>
/// A recording with a recording-level label (PhysioNet 2016: normal 0 / abnormal 1) and its channel-major features
/// [channels, frames] from the shared feature path (<see cref="SpectralFeatures.ComputeRecording"/>).
/// </summary>
public sealed class LabelledRecording
{
    private LabelledRecording(RecordingInfo info, float[] features, int channels, int frames, int label)
    {
        Info = info;
        Features = features;
        Channels = channels;
        Frames = frames;
        Label = label;
    }

    public RecordingInfo Info { get; }

    public float[] Features { get; }

    public int Channels { get; }

    public int Frames { get; }

    /// <summary>Class index (abnormal: 1, normal: 0; PASCAL: the PascalClass value).</summary>
    public int Label { get; }

    /// <summary>The source database (PhysioNet 2016 "training-a" .. "training-d"), the unit of leave-one-out.</summary>
    public string Database => Info.SubSet;

    /// <summary>Loads every recording with an abnormal label, in parallel, in input order; a failing file names itself.</summary>
    public static IReadOnlyList<LabelledRecording> LoadAbnormal(IReadOnlyList<RecordingInfo> infos, FeatureSettings envelope, SpectrogramSettings spectrum) =>
        Load(infos, i => i.Abnormal is bool abnormal ? (abnormal ? 1 : 0) : null, envelope, spectrum);

    /// <summary>Loads every recording <paramref name="labelOf"/> gives a class, in parallel, in input order.</summary>
    public static IReadOnlyList<LabelledRecording> Load(IReadOnlyList<RecordingInfo> infos, Func<RecordingInfo, int?> labelOf, FeatureSettings envelope, SpectrogramSettings spectrum)
    {
        ArgumentNullException.ThrowIfNull(infos);
        ArgumentNullException.ThrowIfNull(labelOf);
        RecordingInfo[] labelled = [.. infos.Where(i => labelOf(i) is not null)];
        var result = new LabelledRecording[labelled.Length];
        Parallel.For(0, labelled.Length, i =>
        {
            RecordingInfo info = labelled[i];
            try
            {
                WavAudio audio = WavReader.Read(info.WavPath);
                float[] features = SpectralFeatures.ComputeRecording(audio.Samples, audio.SampleRate, envelope, spectrum, out int frames);
                result[i] = new LabelledRecording(info, features, SpectralFeatures.Channels(envelope, spectrum), frames, labelOf(info)!.Value);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new InvalidDataException($"{info.WavPath}: {e.Message}", e);
            }
        });
        return result;
    }
}
