using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Alerts;

/// <summary>
/// The rules that keep rate and no-heart-sounds alerts to what the vitals can support: enough beats, one rate, a
/// systole long enough for a slow heart, no S1 for the gap. All streams here are SYNTHETIC event streams (hand-made
/// vitals and beat events at fixed stream times), so each rule is checked in isolation; the real-recording checks are
/// in <see cref="RealRecordingAlertTests"/>.
/// </summary>
public sealed class AlertConfidenceTests
{
    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Process_FastRateWithFewBeats_RaisedOnlyWithEnoughBeats(int beats, bool raised)
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 30, _ => 140, beats: beats);
        Assert.Equal(raised, s.Of(AlertType.Tachycardia, AlertState.Raised).Count == 1);
    }

    [Fact]
    public void Process_FastRateWithIrregularIntervals_NoTachycardiaButIrregularRhythm()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 30, _ => 140, irregularity: 0.40, beats: 20);
        Assert.Empty(s.Of(AlertType.Tachycardia));
        Assert.Single(s.Of(AlertType.IrregularRhythm, AlertState.Raised));
    }

    [Fact]
    public void Process_ActiveTachycardiaThenIrregular_NeitherClearsNorUpdates()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 12, _ => 140, beats: 20);
        Assert.Single(s.Of(AlertType.Tachycardia, AlertState.Raised));
        s.VitalsEverySecond(12, 60, _ => 80, irregularity: 0.5, beats: 20);
        Assert.Empty(s.Of(AlertType.Tachycardia, AlertState.Cleared));
    }

    [Theory]
    [InlineData(0.20, false)] // a child's systole with an S1 every 1.5 s: beats were skipped (rate halving)
    [InlineData(0.35, true)]  // a slow heart's long systole: real bradycardia
    public void Process_SlowRateWithBeatEvents_BradycardiaOnlyWithPlausibleSystole(double systole, bool raised)
    {
        var s = new AlertScenario();
        double next = 0.2;
        for (int t = 1; t <= 30; t++)
        {
            for (; next + systole < t; next += 1.5)
            {
                s.Feed(Beat(SoundType.S1, next)).Feed(Beat(SoundType.S2, next + systole));
            }

            s.Feed(AlertScenario.Vitals(t, 40, beats: 6));
        }

        Assert.Equal(raised, s.Of(AlertType.Bradycardia, AlertState.Raised).Count == 1);
    }

    [Fact]
    public void Process_S1sStopAtGoodQuality_NoHeartSoundsGapPlusDelayAfterLastS1()
    {
        // Beats every 0.8 s up to 20 s (last S1 at 19.4 s), then none; the vitals window still holds old S1s.
        var s = new AlertScenario();
        FeedBeatsAndVitals(s, lastBeat: 20, until: 30, qualityAfter: 0.7);

        AlertEvent raised = Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Raised));
        Assert.Equal(AlertPriority.High, raised.Priority);
        Assert.Equal(19.4 + 4, raised.OnsetSeconds, 6);
        Assert.Equal(25, raised.RaisedSeconds); // first vitals at least 1 s after the onset
    }

    [Theory]
    [InlineData(true, false)]  // the stage said 6 s of audio were lost: the pause is not evidence, no alarm
    [InlineData(false, true)]  // without it the lost seconds looked like a silent heart (the 900-device overload run)
    public void Process_AudioLostThenBeatsResume_NoHeartSoundsOnlyWithoutTheGapEvent(bool gapEvent, bool raised)
    {
        // Beats every 0.8 s; the audio of 20..26 s never reached analysis (dropped at a full capture queue), so no
        // vitals or beats carry those times; analysis resumes at 26 s with beats as before.
        var s = new AlertScenario();
        double next = 0.2;
        for (int t = 1; t <= 40; t++)
        {
            if (t == 26 && gapEvent)
            {
                s.Feed(new AudioGapEvent(AlertScenario.Device, 26, 6));
            }

            for (; next < t; next += 0.8)
            {
                if (next < 20 || next >= 26)
                {
                    s.Feed(Beat(SoundType.S1, next)).Feed(Beat(SoundType.S2, next + 0.3));
                }
            }

            if (t is <= 20 or >= 26)
            {
                s.Feed(AlertScenario.Vitals(t, 75, quality: 0.9, beats: 8));
            }
        }

        Assert.Equal(raised, s.Of(AlertType.NoHeartSounds, AlertState.Raised).Count == 1);
    }

    [Fact]
    public void Process_SilentHeartWhileAudioKeepsBeingLost_StillRaisedAfterTheGapOfAnalysedAudio()
    {
        // Lost audio must not hide a real asystole: from 20 s a second of every two is lost (overload), the heart is
        // silent. The gap counts analysed seconds only, so the alarm comes, 4 analysed seconds after the last S1.
        var s = new AlertScenario();
        double next = 0.2;
        for (int t = 1; t <= 40; t++)
        {
            for (; next < Math.Min(t, 20); next += 0.8)
            {
                s.Feed(Beat(SoundType.S1, next)).Feed(Beat(SoundType.S2, next + 0.3));
            }

            if (t > 20 && t % 2 == 0)
            {
                s.Feed(new AudioGapEvent(AlertScenario.Device, t, 1)); // (t - 1, t] never analysed
            }

            s.Feed(AlertScenario.Vitals(t, t > 20 ? null : 75, quality: 0.9, beats: t > 30 ? 0 : 8));
        }

        AlertEvent raised = Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Raised));
        Assert.InRange(raised.OnsetSeconds, 19.4 + 4 + 2, 19.4 + 4 + 4); // 2 to 4 lost seconds inside the gap
    }

    [Fact]
    public void Process_AnalysisFallsBehindTheWallClock_NoHeartSoundsJudgedOnTheAudioNotTheClock()
    {
        // An overloaded instance: the once-a-second tick has moved the device's clock to 28 s (wall time since its last
        // event) while the analysis, 8 s behind, still delivers the beats and vitals of 21 s onwards, every one on time
        // in the audio. The beats are there; only the clock ran ahead (the 900-device run raised hundreds of these).
        var s = new AlertScenario();
        double next = 0.2;
        for (int t = 1; t <= 40; t++)
        {
            if (t == 21)
            {
                s.Engine.Tick(AlertScenario.Device, 28, s.Output);
            }

            for (; next < t; next += 0.8)
            {
                s.Feed(Beat(SoundType.S1, next)).Feed(Beat(SoundType.S2, next + 0.3));
            }

            s.Feed(AlertScenario.Vitals(t, 75, quality: 0.9, beats: 8));
        }

        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    [Fact]
    public void Process_S1sStopAndQualityCollapses_NoNoHeartSounds()
    {
        // A detached sensor: the sounds stop and the quality falls below the no-heart-sounds floor at once.
        var s = new AlertScenario();
        FeedBeatsAndVitals(s, lastBeat: 20, until: 40, qualityAfter: 0.1);
        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    [Fact]
    public void Process_BeatsKeepComing_NoNoHeartSounds()
    {
        var s = new AlertScenario();
        FeedBeatsAndVitals(s, lastBeat: 60, until: 60, qualityAfter: 0.7);
        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    [Fact]
    public void Process_BeatsReturnAfterNoHeartSounds_ClearsAfterClearDelay()
    {
        var s = new AlertScenario();
        FeedBeatsAndVitals(s, lastBeat: 20, until: 30, qualityAfter: 0.7);
        Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Raised));
        for (int t = 30; t <= 40; t++)
        {
            s.Feed(Beat(SoundType.S1, t - 0.5)).Feed(Beat(SoundType.S2, t - 0.2)).Feed(AlertScenario.Vitals(t, 70, beats: 8));
        }

        Assert.Equal(33, Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Cleared)).ClearedSeconds);
    }

    [Theory]
    [InlineData(0.5, true)]  // the default: scattered S1 at a fifth of the level do not end the gap
    [InlineData(0.0, false)] // rule off: every reported S1 ends it
    public void Process_LoudS1sThenFaintScatteredS1s_NoHeartSoundsOnlyWithTheLevelRule(double fraction, bool raised)
    {
        // What the segmenter reports once a heart stops: a few faint "S1" in the noise, 2.5 s apart.
        var s = new AlertScenario(Adult(fraction));
        FeedLevelledBeats(s, until: 40, period: t => t < 20 ? 0.8 : 2.5, level: t => t < 20 ? 1f : 0.2f);

        Assert.Equal(raised, s.Of(AlertType.NoHeartSounds, AlertState.Raised).Count == 1);
        if (raised)
        {
            AlertEvent alert = Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Raised));
            Assert.Equal(19.4 + 4, alert.OnsetSeconds, 6); // the last loud S1 + the gap
        }
    }

    [Fact]
    public void Process_GainDropsButRhythmGoesOn_NoNoHeartSounds()
    {
        // The sensor slips: every S1 from 20 s on is a fifth as loud, but they keep the rhythm (a train of them).
        var s = new AlertScenario(Adult(0.5));
        FeedLevelledBeats(s, until: 60, period: _ => 0.8, level: t => t < 20 ? 1f : 0.2f);

        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    [Fact]
    public void Process_S1sWithoutLevel_EveryS1EndsTheGap()
    {
        // Beat events from a source that measures no level (NaN) are counted as before.
        var s = new AlertScenario(Adult(0.5));
        FeedLevelledBeats(s, until: 40, period: t => t < 20 ? 0.8 : 2.5, level: _ => float.NaN);

        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    private static AlertProfile Adult(double fraction)
    {
        AlertProfile p = AlertProfile.CreateAdult();
        p.NoHeartSoundsMinRelativeLevel = fraction;
        return p;
    }

    /// <summary>S1 (and an S2 0.3 s later) every period(t) s at level(t), vitals every second at a good quality.</summary>
    private static void FeedLevelledBeats(AlertScenario s, int until, Func<double, double> period, Func<double, float> level)
    {
        double next = 0.2;
        for (int t = 1; t <= until; t++)
        {
            for (; next < t; next += period(next))
            {
                s.Feed(new BeatEvent(AlertScenario.Device, new HeartSound(SoundType.S1, next - 0.05, next + 0.05, level(next)), 0));
                s.Feed(new BeatEvent(AlertScenario.Device, new HeartSound(SoundType.S2, next + 0.25, next + 0.35, level(next) / 2), 0));
            }

            s.Feed(AlertScenario.Vitals(t, 75, quality: 0.9, beats: 8));
        }
    }

    private static BeatEvent Beat(SoundType type, double centre) =>
        new(AlertScenario.Device, new HeartSound(type, centre - 0.05, centre + 0.05), 0);

    private static void FeedBeatsAndVitals(AlertScenario s, double lastBeat, int until, double qualityAfter)
    {
        double next = 0.2;
        for (int t = 1; t <= until; t++)
        {
            for (; next < Math.Min(t, lastBeat); next += 0.8)
            {
                s.Feed(Beat(SoundType.S1, next)).Feed(Beat(SoundType.S2, next + 0.3));
            }

            bool stopped = t > lastBeat;
            s.Feed(AlertScenario.Vitals(t, stopped ? null : 75, quality: stopped ? qualityAfter : 0.9, beats: 8));
        }
    }
}
