using HeartStream.Capture.Audio;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Models;

/// <summary>
/// Extra training recordings in which the heart sounds stop: a crop of a real training recording around a random
/// annotated diastole end, with a stretch of that recording's own diastolic noise spliced in there
/// (<see cref="NoHeartSoundsSplice"/>) and the recording resuming afterwards. The noise frames are labelled
/// <see cref="HeartState.Diastole"/> (no sound), so the network learns that noise without heart sounds holds no S1 or
/// S2 even after the streaming normaliser has scaled it up to the level heart sounds had. Without this the segmenter
/// reports rhythmic S1/S2 in noise and "no heart sounds" can never be raised. Features go through the serving path
/// (<see cref="RecordingAnalyzer.PrepareFeatures"/>) like every other training recording.
/// </summary>
public static class NoHeartSoundsAugmentation
{
    /// <summary>
    /// For each case, with probability <paramref name="fraction"/>, one spliced recording: 3–10 s of heart sounds before
    /// the onset, 4–12 s of noise, up to 8 s of heart sounds after. Seeded; cases without a usable diastole are skipped.
    /// </summary>
    public static IReadOnlyList<LabelledRecording> Create(
        IReadOnlyList<SegmentationBenchmarkCase> cases, FeatureSettings settings, double fraction, int seed, int maxParallelism = 2)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        var random = new Random(seed);

        // Draw every choice up front so the result does not depend on the parallel schedule.
        var plans = new List<(SegmentationBenchmarkCase Case, double U1, double U2, double U3)>();
        foreach (SegmentationBenchmarkCase c in cases)
        {
            if (random.NextDouble() < fraction)
            {
                plans.Add((c, random.NextDouble(), random.NextDouble(), random.NextDouble()));
            }
        }

        var result = new LabelledRecording?[plans.Count];
        Parallel.For(0, plans.Count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, i =>
        {
            (SegmentationBenchmarkCase c, double u1, double u2, double u3) = plans[i];
            WavAudio audio = WavReader.Read(c.Recording.WavPath);
            IReadOnlyList<CirCorSegment> segments = CirCorSegmentation.Read(c.Recording.AnnotationPath!);
            result[i] = Splice(c.Recording.Id, audio.Samples, audio.SampleRate, segments, u1, u2, u3, settings);
        });

        return [.. result.Where(r => r is not null).Select(r => r!)];
    }

    /// <summary>
    /// One spliced recording; <paramref name="onsetChoice"/>, <paramref name="silentChoice"/> and
    /// <paramref name="beforeChoice"/> in [0, 1) pick the onset, the noise length and the heart sounds kept before.
    /// Null when the recording's rate is not a whole number of samples per frame or no diastole ends 3 s in.
    /// </summary>
    public static LabelledRecording? Splice(
        string id, ReadOnlySpan<float> samples, int sampleRate, IReadOnlyList<CirCorSegment> segments,
        double onsetChoice, double silentChoice, double beforeChoice, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (sampleRate % AnalysisRate.FrameRate != 0)
        {
            return null;
        }

        int perFrame = sampleRate / AnalysisRate.FrameRate;
        int recordingFrames = samples.Length / perFrame;
        double seconds = (double)samples.Length / sampleRate;
        double[] onsets = [.. NoHeartSoundsSplice.DiastoleEnds(segments, seconds).Where(e => e >= 3)];
        if (onsets.Length == 0)
        {
            return null;
        }

        int onsetFrame = Math.Min(recordingFrames, (int)Math.Round(onsets[(int)(onsetChoice * onsets.Length)] * AnalysisRate.FrameRate));
        int silentFrames = (int)Math.Round((4 + (8 * silentChoice)) * AnalysisRate.FrameRate);
        int beforeFrames = Math.Min(onsetFrame, (int)Math.Round((3 + (7 * beforeChoice)) * AnalysisRate.FrameRate));
        int afterFrames = Math.Min(recordingFrames - onsetFrame, 8 * AnalysisRate.FrameRate);
        float[] spliced;
        try
        {
            spliced = NoHeartSoundsSplice.Build(samples, sampleRate, segments, onsetFrame * perFrame, silentFrames * perFrame, resume: true);
        }
        catch (ArgumentException)
        {
            return null; // no diastole long enough to take noise from
        }

        int cropStart = (onsetFrame - beforeFrames) * perFrame;
        int cropLength = (beforeFrames + silentFrames + afterFrames) * perFrame;
        float[] features = RecordingAnalyzer.PrepareFeatures(spliced.AsSpan(cropStart, cropLength), sampleRate, settings);
        int frames = features.Length / settings.Channels;
        sbyte[] original = CirCorSegmentation.ToFrameLabels(segments, recordingFrames);
        int[] labels = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            int spliceFrame = f + onsetFrame - beforeFrames;
            int source = spliceFrame < onsetFrame ? spliceFrame
                : spliceFrame < onsetFrame + silentFrames ? -1
                : spliceFrame - silentFrames;
            labels[f] = source < 0 ? (int)HeartState.Diastole
                : source < original.Length ? original[source]
                : CirCorSegmentation.UnannotatedLabel;
        }

        return new LabelledRecording(id + "+no-heart-sounds", features, labels, [], new AnnotatedSpan(0, (double)frames / AnalysisRate.FrameRate));
    }
}
