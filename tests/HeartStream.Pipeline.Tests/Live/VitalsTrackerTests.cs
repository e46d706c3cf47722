using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Live;

public sealed class VitalsTrackerTests
{
    private const int Rate = 1000;

    [Fact]
    public void TryNext_RegularS1Every800Ms_Gives75BpmRegularAndGoodQuality()
    {
        VitalsTracker tracker = Feed(period: 0.8, jitter: 0, seconds: 12, level: 0.3f);

        Assert.True(tracker.TryNext(12, out double time, out double? bpm, out double? cv, out double quality, out int beats));
        Assert.Equal(1.0, time);
        Assert.Null(bpm); // one S1 by t = 1 s
        Advance(tracker, 9);
        Assert.True(tracker.TryNext(12, out time, out bpm, out cv, out quality, out beats));

        Assert.Equal(11.0, time);
        Assert.Equal(75.0, bpm!.Value, 6);
        Assert.Equal(0.0, cv!.Value, 6);
        Assert.True(quality > 0.9, $"quality {quality}");
        Assert.Equal(12, beats); // S1 centres 1.65 .. 10.45 s (every 0.8 s) in the window 1 .. 11 s
    }

    [Fact]
    public void TryNext_IrregularIntervals_ReportsTheirCoefficientOfVariation()
    {
        VitalsTracker tracker = Feed(period: 0.8, jitter: 0.2, seconds: 12, level: 0.3f);
        Advance(tracker, 10);

        Assert.True(tracker.TryNext(12, out _, out double? bpm, out double? cv, out _, out _));

        // Intervals alternate 1.0 and 0.6 s: median 0.8 s, median absolute deviation 0.2 s, so the robust CV is
        // 1.4826 × 0.2 / 0.8 = 0.37 (the plain CV would be 0.25).
        Assert.Equal(75.0, bpm!.Value, 0);
        Assert.InRange(cv!.Value, 0.35, 0.39);
    }

    [Fact]
    public void TryNext_OneMissedS1_RateAndRegularityUnmoved()
    {
        // A regular 75 bpm rhythm (synthetic sound times) where the segmenter missed one S1: one 1.6 s interval among
        // 0.8 s ones. The mean interval would report 68 bpm and CV 0.27; median and MAD ignore the slip.
        var tracker = new VitalsTracker(Rate, 1.0, 10.0);
        var audio = new float[12 * Rate];
        Array.Fill(audio, 0.3f);
        tracker.AddAudio(audio);
        for (int k = 0; k < 14; k++)
        {
            double t = 0.05 + (0.8 * k);
            if (k != 7)
            {
                tracker.AddSound(new HeartSound(SoundType.S1, t - 0.05, t + 0.05));
            }

            tracker.AddSound(new HeartSound(SoundType.S2, t + 0.25, t + 0.35));
        }

        Advance(tracker, 10);
        Assert.True(tracker.TryNext(12, out _, out double? bpm, out double? cv, out _, out _));
        Assert.Equal(75.0, bpm!.Value, 6);
        Assert.Equal(0.0, cv!.Value, 6);
    }

    [Fact]
    public void TryNext_SilentAudio_QualityZero()
    {
        VitalsTracker tracker = Feed(period: 0.8, jitter: 0, seconds: 12, level: 0f);
        Advance(tracker, 10);

        Assert.True(tracker.TryNext(12, out _, out _, out _, out double quality, out _));
        Assert.Equal(0.0, quality);
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 12)]
    public void TryNext_SoundsStopButDecoderGoesOn_GateReportsNoBeatsAtSignalLevel(bool gate, int expectedBeats)
    {
        // Synthetic audio: seeded noise at 0.01 with 60 Hz bursts of 0.5 at every S1 and S2 for the first 12 s, noise
        // only after; the "decoder" keeps placing S1/S2 every 0.8 s throughout (as the HSMM does in noise).
        var rng = new Random(7);
        var audio = new float[20 * Rate];
        for (int i = 0; i < audio.Length; i++)
        {
            audio[i] = 0.01f * (float)((rng.NextDouble() * 2) - 1);
        }

        var tracker = new VitalsTracker(Rate, 1.0, 10.0, heardBeatGate: gate);
        tracker.AddAudio(audio.AsSpan(0, 0));
        var sounds = new List<HeartSound>();
        for (double t = 0.05; t + 0.4 < 20; t += 0.8)
        {
            sounds.Add(new HeartSound(SoundType.S1, t - 0.05, t + 0.05));
            sounds.Add(new HeartSound(SoundType.S2, t + 0.25, t + 0.35));
        }

        foreach (HeartSound sound in sounds.Where(x => x.EndSeconds < 12))
        {
            for (int i = (int)(sound.StartSeconds * Rate); i < (int)(sound.EndSeconds * Rate); i++)
            {
                audio[i] += 0.5f * MathF.Sin(2 * MathF.PI * 60 * i / Rate);
            }
        }

        tracker.AddAudio(audio);
        sounds.ForEach(tracker.AddSound);
        Advance(tracker, 19);

        Assert.True(tracker.TryNext(1e9, out double time, out double? bpm, out _, out double quality, out int beats));
        Assert.Equal(20.0, time);
        Assert.Equal(expectedBeats, beats); // S1 centres 10.45 .. 19.25 s in the window 10 .. 20 s, without the gate
        Assert.Equal(gate, bpm is null);
        Assert.True(quality > 0.5, $"quality {quality}: the noise is at a usable level (about -40 dBFS)");
    }

    [Fact]
    public void TryNext_NotFinalYet_Waits()
    {
        VitalsTracker tracker = Feed(period: 0.8, jitter: 0, seconds: 3, level: 0.3f);

        Assert.False(tracker.TryNext(0.5, out _, out _, out _, out _, out _));
        Assert.True(tracker.TryNext(1.0, out _, out _, out _, out _, out _));
    }

    private static void Advance(VitalsTracker tracker, int ticks)
    {
        for (int i = 0; i < ticks; i++)
        {
            Assert.True(tracker.TryNext(1e9, out _, out _, out _, out _, out _));
        }
    }

    private static VitalsTracker Feed(double period, double jitter, double seconds, float level)
    {
        var tracker = new VitalsTracker(Rate, 1.0, 10.0);
        var audio = new float[(int)(seconds * Rate)];
        Array.Fill(audio, level);
        tracker.AddAudio(audio);
        double t = 0.05;
        for (int k = 0; t + 0.4 < seconds; k++)
        {
            tracker.AddSound(new HeartSound(SoundType.S1, t - 0.05, t + 0.05));
            tracker.AddSound(new HeartSound(SoundType.S2, t + 0.25, t + 0.35));
            t += period + (k % 2 == 0 ? jitter : -jitter);
        }

        return tracker;
    }
}
