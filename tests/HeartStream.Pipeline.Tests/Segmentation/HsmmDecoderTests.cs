using HeartStream.Pipeline.Segmentation;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>HSMM decoding of synthetic emissions generated from known state sequences.</summary>
[Collection(AllocationCollection.Name)]
public sealed class HsmmDecoderTests(ITestOutputHelper output)
{
    // 75 bpm, S1 onset -> S2 onset 0.32 s: model means S1 6.1, systole 9.9, S2 4.7, diastole 19.3 frames.
    private static readonly HeartRateEstimate s_hr75 = new(75, 0.32, 1);
    private static readonly int[] s_cycle75 = [6, 10, 5, 19];
    private static readonly int[] s_wobble = [0, 1, -1, 0, 1, -1, 1, 0];

    /// <summary>Truth that starts 7 frames before the end of a diastole and ends 5 frames into a systole.</summary>
    private static HeartState[] MidDiastoleToMidSystole()
    {
        HeartState[] full = SyntheticHeart.Sequence(600, HeartState.Diastole, 7, s_cycle75, s_wobble);
        int end = 420;
        while (!(full[end] == HeartState.Systole && full[end - 4] == HeartState.Systole && full[end - 5] == HeartState.S1))
        {
            end++;
        }

        return full[..(end + 1)];
    }

    [Fact]
    public void Decode_SyntheticCleanEmissions_RecoversTruthIncludingCutEdges()
    {
        HeartState[] truth = MidDiastoleToMidSystole();
        float[] emissions = SyntheticHeart.Emissions(truth, hit: 0.55, noise: 0, seed: 1);
        var decoder = new HsmmDecoder(1000);

        HeartState[] decoded = decoder.Decode(emissions, s_hr75);

        Assert.Equal(truth, decoded);
        Assert.Equal(HeartState.Diastole, decoded[0]);
        Assert.Equal(HeartState.Systole, decoded[^1]);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Decode_SyntheticNoisyEmissions_RecoversTruthWithinOneFrame(int seed)
    {
        HeartState[] truth = MidDiastoleToMidSystole();
        float[] emissions = SyntheticHeart.Emissions(truth, hit: 0.55, noise: 0.6, seed: seed);
        var decoder = new HsmmDecoder(1000);

        HeartState[] decoded = decoder.Decode(emissions, s_hr75);

        int argmaxErrors = 0;
        for (int t = 0; t < truth.Length; t++)
        {
            int best = 0;
            for (int s = 1; s < 4; s++)
            {
                best = emissions[(t * 4) + s] > emissions[(t * 4) + best] ? s : best;
            }

            argmaxErrors += best == (int)truth[t] ? 0 : 1;
        }

        int errors = truth.Zip(decoded).Count(p => p.First != p.Second);
        output.WriteLine($"frame-wise argmax errors {argmaxErrors}/{truth.Length}, HSMM errors {errors}");
        Assert.True(SyntheticHeart.MatchesWithinOneFrame(truth, decoded, out string mismatch), mismatch);
        Assert.Equal(HeartState.Diastole, decoded[0]);
        Assert.Equal(HeartState.Systole, decoded[^1]);
        Assert.True(argmaxErrors > 2 * Math.Max(1, errors), $"noise too weak to test anything: {argmaxErrors} argmax errors");
    }

    [Fact]
    public void Decode_HandMadeDominantEmissions_FollowsTheValidArgmaxPath()
    {
        // 6 frames whose per-frame argmax is Dia, Dia, S1, S1, S1, Sys: a valid cycle whose inner S1 run (3 frames)
        // lies in the S1 support at 75 bpm ([2, 10] frames) and whose edge runs are censored. Each frame's argmax is
        // 1e6 times likelier than the alternatives, so any other path pays >= ln(1e6) = 13.8 nats for one changed frame,
        // more than the whole duration term can differ (the S1 run of 3 costs 4 nats against the mode): by hand, the
        // answer is the argmax path.
        HeartState[] expected = [HeartState.Diastole, HeartState.Diastole, HeartState.S1, HeartState.S1, HeartState.S1, HeartState.Systole];
        float[] emissions = SyntheticHeart.Emissions(expected, hit: 1 - 3e-6, noise: 0, seed: 0);

        HeartState[] decoded = new HsmmDecoder(16).Decode(emissions, s_hr75);

        Assert.Equal(expected, decoded);
    }

    [Fact]
    public void Decode_HandMadeSkippedState_InsertsTheMissingState()
    {
        // Emissions say S1 then S2 directly, which the cycle forbids: the decoder must put systole in between.
        HeartState[] argmax = [.. Enumerable.Repeat(HeartState.S1, 6), .. Enumerable.Repeat(HeartState.S2, 6)];
        float[] emissions = SyntheticHeart.Emissions(argmax, hit: 0.9, noise: 0, seed: 0);

        HeartState[] decoded = new HsmmDecoder(16).Decode(emissions, s_hr75);

        Assert.True(SyntheticHeart.IsCycleOrder(decoded), string.Join(",", decoded));
        Assert.Contains(HeartState.Systole, decoded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(37)]
    [InlineData(3000)]
    public void Decode_AllEqualEmissions_ReturnsValidCycle(int frames)
    {
        float[] emissions = Enumerable.Repeat(0.25f, frames * 4).ToArray();
        var decoder = new HsmmDecoder(3000);

        HeartState[] decoded = decoder.Decode(emissions, s_hr75);

        Assert.Equal(frames, decoded.Length);
        Assert.True(SyntheticHeart.IsCycleOrder(decoded));
    }

    [Fact]
    public void Decode_AllZeroEmissionsAt240Bpm_ReturnsValidCycle()
    {
        float[] emissions = new float[500 * 4];

        HeartState[] decoded = new HsmmDecoder(500).Decode(emissions, new HeartRateEstimate(240, 0.12, 0));

        Assert.True(SyntheticHeart.IsCycleOrder(decoded));
    }

    [Theory]
    [InlineData(220, 0.13)]
    [InlineData(150, 0.19)]
    [InlineData(40, 0.36)]
    public void Decode_SyntheticNoisyEmissionsAtOtherRates_RecoversTruthWithinOneFrame(double bpm, double systole)
    {
        var durations = new StateDuration[4];
        new DurationParameters().ComputeFrames(new HeartRateEstimate(bpm, systole, 1), 50, durations);
        int[] cycle = durations.Select(d => (int)Math.Round(d.Mean)).ToArray();
        HeartState[] truth = SyntheticHeart.Sequence(700, HeartState.S2, 2, cycle, [0, 1, 0, -1]);
        float[] emissions = SyntheticHeart.Emissions(truth, hit: 0.55, noise: 0.6, seed: 5);

        HeartState[] decoded = new HsmmDecoder(1000).Decode(emissions, new HeartRateEstimate(bpm, systole, 1));

        output.WriteLine($"{bpm} bpm: HSMM errors {truth.Zip(decoded).Count(p => p.First != p.Second)}/{truth.Length}");
        Assert.True(SyntheticHeart.MatchesWithinOneFrame(truth, decoded, out string mismatch), mismatch);
    }

    [Fact]
    public void Decode_BadInput_ThrowsNamingTheProblem()
    {
        var decoder = new HsmmDecoder(10);

        Assert.Contains("multiple", Assert.Throws<ArgumentException>(() => decoder.Decode(new float[7], s_hr75)).Message, StringComparison.Ordinal);
        Assert.Contains("at most 10", Assert.Throws<ArgumentException>(() => decoder.Decode(new float[44], s_hr75)).Message, StringComparison.Ordinal);
        float[] nan = new float[8];
        nan[5] = float.NaN;
        Assert.Contains("frame 1", Assert.Throws<ArgumentException>(() => decoder.Decode(nan, s_hr75)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => decoder.Decode(new float[8], new HeartRateEstimate(double.NaN, 0.3, 0)));
    }

    [Fact]
    public void Decode_AfterWarmUp_DoesNotAllocate()
    {
        HeartState[] truth = SyntheticHeart.Sequence(3000, HeartState.S1, 6, s_cycle75, s_wobble);
        float[] emissions = SyntheticHeart.Emissions(truth, 0.4, 1.0, 3);
        var states = new HeartState[truth.Length];
        var decoder = new HsmmDecoder(3000);
        decoder.Decode(emissions, s_hr75, states);

        long allocated = SteadyState.LeastAllocated(3, _ =>
        {
            decoder.Decode(emissions, s_hr75, states);
            decoder.Decode(emissions, new HeartRateEstimate(140, 0.2, 1), states);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Decode_SixtySecondsAt50Hz_ReportsSpeed()
    {
        // Measures and prints only; timing never decides pass/fail.
        HeartState[] truth = SyntheticHeart.Sequence(3000, HeartState.S1, 6, s_cycle75, s_wobble);
        float[] emissions = SyntheticHeart.Emissions(truth, 0.4, 1.0, 3);
        var states = new HeartState[truth.Length];
        var decoder = new HsmmDecoder(3000);
        foreach (double bpm in new[] { 40.0, 75, 150, 240 })
        {
            var hr = new HeartRateEstimate(bpm, bpm > 150 ? 0.13 : 0.3, 1);
            decoder.Decode(emissions, hr, states);
            const int Repeats = 50;
            TimeSpan cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < Repeats; i++)
            {
                decoder.Decode(emissions, hr, states);
            }

            sw.Stop();
            double cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            double framesPerSecond = Repeats * truth.Length / sw.Elapsed.TotalSeconds;
            output.WriteLine($"{bpm} bpm: {framesPerSecond:F0} frames/s wall, {Repeats * truth.Length / cpu:F0} frames/s per process-CPU second ({Repeats * 60 / cpu:F0} s of audio per CPU second)");
        }

        Assert.True(SyntheticHeart.IsCycleOrder(states));
    }
}
