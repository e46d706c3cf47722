using HeartStream.Capture.Audio;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;
using HeartStream.Training.Data;
using HeartStream.Training.Models;
using Xunit;

namespace HeartStream.Training.Tests.Data;

public sealed class NoHeartSoundsSpliceTests
{
    // Synthetic (not a recording): each sample's value is its own index, so where every output sample came from is visible.
    private static float[] Ramp(int n) => [.. Enumerable.Range(0, n).Select(i => (float)i)];

    private static readonly CirCorSegment[] Cycle =
    [
        new(0.0, 0.1, CirCorSegment.S1), new(0.1, 0.4, CirCorSegment.Systole), new(0.4, 0.5, CirCorSegment.S2), new(0.5, 1.0, CirCorSegment.Diastole),
        new(1.0, 1.1, CirCorSegment.S1), new(1.1, 1.4, CirCorSegment.Systole), new(1.4, 1.5, CirCorSegment.S2), new(1.5, 2.0, CirCorSegment.Diastole),
    ];

    [Fact]
    public void Build_KeepsTheOnsetPart_FillsExactlyTheSilentLengthFromTrimmedDiastoles_AndResumes()
    {
        const int rate = 1000;
        float[] samples = Ramp(3000);

        float[] spliced = NoHeartSoundsSplice.Build(samples, rate, Cycle, onset: 1000, silentSamples: 2500, resume: true);

        Assert.Equal(1000 + 2500 + 2000, spliced.Length);
        Assert.Equal(samples.AsSpan(0, 995).ToArray(), spliced.AsSpan(0, 995).ToArray()); // the last 5 ms cross-fade into the noise
        Assert.Equal(samples.AsSpan(1000).ToArray(), spliced.AsSpan(3500).ToArray());
        // Noise comes only from the diastoles' middles: 0.53..0.97 s and 1.53..1.97 s (cross-fades blend two such samples).
        for (int i = 1000; i < 3500 - 5; i++)
        {
            float v = spliced[i];
            bool fromDiastole = v is >= 530 and < 970 or >= 1530 and < 1970;
            bool fade = spliced[i + 1] - v != 1 || v - spliced[i - 1] != 1;
            Assert.True(fromDiastole || fade, $"sample {i} = {v} is not diastolic noise");
        }
    }

    [Fact]
    public void Build_LongerTrim_NoiseOnlyFromTheDiastolesInnerParts()
    {
        const int rate = 1000;

        float[] spliced = NoHeartSoundsSplice.Build(Ramp(3000), rate, Cycle, onset: 1000, silentSamples: 2500, resume: false, trimSeconds: 0.1);

        // Diastoles 0.5..1.0 s and 1.5..2.0 s, 100 ms off each end: noise from 0.6..0.9 s and 1.6..1.9 s only.
        for (int i = 1000; i < 3500 - 5; i++)
        {
            float v = spliced[i];
            bool inner = v is >= 600 and < 900 or >= 1600 and < 1900;
            bool fade = spliced[i + 1] - v != 1 || v - spliced[i - 1] != 1;
            Assert.True(inner || fade, $"sample {i} = {v} is not from a diastole's inner part");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => NoHeartSoundsSplice.Build(Ramp(3000), rate, Cycle, 1000, 2500, false, trimSeconds: -0.01));
    }

    [Fact]
    public void Build_WithoutADiastole_SaysSo()
    {
        CirCorSegment[] noDiastole = [new(0, 0.1, CirCorSegment.S1), new(0.1, 0.4, CirCorSegment.Systole)];

        ArgumentException e = Assert.Throws<ArgumentException>(() => NoHeartSoundsSplice.Build(Ramp(1000), 1000, noDiastole, 5));

        Assert.Contains("diastole", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Splice_RealRecording_LabelsTheNoiseAsDiastole_AndShiftsTheRealLabelsAround_It()
    {
        // A real CirCor recording (samples/circor, see its attribution); the splice is constructed, not recorded.
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        IReadOnlyList<CirCorSegment> segments = CirCorSegmentation.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.tsv"));
        FeatureSettings settings = FeatureSettings.Default;

        LabelledRecording? r = NoHeartSoundsAugmentation.Splice("46532_AV", audio.Samples, audio.SampleRate, segments, 0.5, 0.5, 0.5, settings);

        Assert.NotNull(r);
        Assert.Equal(r.Features.Length, r.Frames * settings.Channels);
        // 3 + 3.5 s before, 4 + 4 s of noise, up to 8 s after: one run of diastole frames 8 s long where the noise is.
        int longest = 0, run = 0, runEnd = 0;
        for (int f = 0; f < r.Frames; f++)
        {
            run = r.Labels[f] == (int)HeartState.Diastole ? run + 1 : 0;
            if (run > longest)
            {
                longest = run;
                runEnd = f + 1;
            }
        }

        Assert.InRange(longest, 8 * AnalysisRate.FrameRate, (8 * AnalysisRate.FrameRate) + 60); // plus at most the real diastoles at its edges
        Assert.Contains(r.Labels.Take(runEnd - longest), l => l == (int)HeartState.S1);
        Assert.Contains(r.Labels.Skip(runEnd), l => l == (int)HeartState.S1);
        Assert.All(r.Features, v => Assert.True(float.IsFinite(v)));
    }
}
