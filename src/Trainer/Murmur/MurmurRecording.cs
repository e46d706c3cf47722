using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// One CirCor recording ready for the murmur frame model: channel-major features [channels, frames] from the shared
/// feature path (<see cref="SpectralFeatures.ComputeRecording"/>) and, when the recording has a segmentation, frame
/// targets (<see cref="MurmurFrameLabels"/>).
/// </summary>
public sealed class MurmurRecording
{
    private MurmurRecording(RecordingInfo info, float[] features, int channels, int frames, sbyte[]? labels, int murmurFrames)
    {
        Info = info;
        Features = features;
        Channels = channels;
        Frames = frames;
        Labels = labels;
        MurmurFrames = murmurFrames;
    }

    public RecordingInfo Info { get; }

    public float[] Features { get; }

    public int Channels { get; }

    public int Frames { get; }

    public sbyte[]? Labels { get; }

    public int MurmurFrames { get; }

    /// <summary>Grouping key for patient-wise folds (CirCor "Additional ID" links two IDs into one group).</summary>
    public string PatientKey => Info.PatientId;

    public static MurmurRecording Load(RecordingInfo info, FeatureSettings envelope, SpectrogramSettings spectrum)
    {
        ArgumentNullException.ThrowIfNull(info);
        WavAudio audio = WavReader.Read(info.WavPath);
        float[] features = SpectralFeatures.ComputeRecording(audio.Samples, audio.SampleRate, envelope, spectrum, out int frames);
        sbyte[]? labels = null;
        int murmur = 0;
        if (info.AnnotationPath is not null)
        {
            IReadOnlyList<CirCorSegment> segments = CirCorSegmentation.Read(info.AnnotationPath);
            if (segments.Any(s => s.IsAnnotated))
            {
                labels = CirCorSegmentation.ToFrameLabels(segments, frames);
                murmur = MurmurFrameLabels.AddMurmur(labels, info.MurmurHeardHere == true, info.SystolicMurmurTiming, info.DiastolicMurmurTiming);
            }
        }

        return new MurmurRecording(info, features, SpectralFeatures.Channels(envelope, spectrum), frames, labels, murmur);
    }

    /// <summary>Loads every recording in parallel, in input order; a recording that fails names itself.</summary>
    public static IReadOnlyList<MurmurRecording> LoadAll(IReadOnlyList<RecordingInfo> infos, FeatureSettings envelope, SpectrogramSettings spectrum)
    {
        ArgumentNullException.ThrowIfNull(infos);
        var result = new MurmurRecording[infos.Count];
        Parallel.For(0, infos.Count, i =>
        {
            try
            {
                result[i] = Load(infos[i], envelope, spectrum);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new InvalidDataException($"{infos[i].WavPath}: {e.Message}", e);
            }
        });
        return result;
    }
}
