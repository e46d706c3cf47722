using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Tests.Analysis;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>
/// The vectorised <see cref="HsmmDecoder"/> against <see cref="ReferenceHsmmDecoder"/> (the scalar decoder it replaced):
/// the same states frame for frame and the same path score bit for bit, on random, tie-laden and real emissions.
/// </summary>
public sealed class HsmmDecoderReferenceTests
{
    private static readonly double[] s_rates = [30, 45, 62.5, 80, 97, 120, 150, 183, 240];

    [Fact]
    public void Decode_RandomEmissionsAndRates_MatchesReferenceExactly()
    {
        // One instance of each for every case: buffers reused across lengths and rates, as the live decoder reuses them.
        var fast = new HsmmDecoder(700);
        var reference = new ReferenceHsmmDecoder(700);
        Prop.ForAll(
            Gen.Choose(1, 700).ToArbitrary(),
            Gen.Choose(30, 240).ToArbitrary(),
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            (frames, bpm, seed) =>
            {
                var rng = new Random(seed);
                // Half the cases draw from four levels (zero included): many exactly tied path scores, so the
                // tie-breaking rule is compared too, not only the maximum.
                bool quantised = (seed & 1) == 0;
                float[] emissions = Enumerable.Range(0, frames * 4)
                    .Select(_ => quantised ? rng.Next(4) / 3f : (float)rng.NextDouble())
                    .ToArray();
                var hr = new HeartRateEstimate(bpm, 0.1 + (0.3 * rng.NextDouble()), 1);
                bool same = SameDecode(fast, reference, emissions, hr, out string why);
                Assert.True(same, why);
                return same;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Decode_RealLogisticEmissionsOverRates_MatchesReferenceExactly()
    {
        int checkedCases = 0;
        foreach (string sample in AnalysisSamples.All)
        {
            float[] likelihoods = RealLikelihoods(sample);
            int frames = likelihoods.Length / 4;
            var fast = new HsmmDecoder(frames);
            var reference = new ReferenceHsmmDecoder(frames);
            foreach (double bpm in s_rates)
            {
                foreach (int length in new[] { frames, 400, 37 })
                {
                    var hr = new HeartRateEstimate(bpm, Math.Min(0.35, 18.0 / bpm), 1);
                    Assert.True(SameDecode(fast, reference, likelihoods.AsSpan(0, Math.Min(length, frames) * 4).ToArray(), hr, out string why), $"{sample} at {bpm} bpm, {length} frames: {why}");
                    checkedCases++;
                }
            }
        }

        Assert.Equal(AnalysisSamples.All.Length * s_rates.Length * 3, checkedCases);
    }

    [Fact]
    public void Decode_EqualEmissionsEveryLengthUpTo200_MatchesReferenceExactly()
    {
        // All-equal emissions tie every path's emission term: only the duration model and the tie-break decide.
        var fast = new HsmmDecoder(200);
        var reference = new ReferenceHsmmDecoder(200);
        for (int frames = 1; frames <= 200; frames++)
        {
            float[] emissions = Enumerable.Repeat(0.25f, frames * 4).ToArray();
            foreach (double bpm in s_rates)
            {
                Assert.True(SameDecode(fast, reference, emissions, new HeartRateEstimate(bpm, 0.3, 0), out string why), $"{frames} frames at {bpm} bpm: {why}");
            }
        }
    }

    [Fact]
    public void DecodeAgain_OtherRates_MatchesReferenceDecodeExactly()
    {
        float[] likelihoods = RealLikelihoods(AnalysisSamples.All[0]);
        int frames = likelihoods.Length / 4;
        var fast = new HsmmDecoder(frames);
        var reference = new ReferenceHsmmDecoder(frames);
        var again = new HeartState[frames];
        var expected = new HeartState[frames];
        fast.Decode(likelihoods, new HeartRateEstimate(80, 0.3, 1), new HeartState[frames]);
        foreach (double bpm in s_rates)
        {
            var hr = new HeartRateEstimate(bpm, Math.Min(0.35, 18.0 / bpm), 1);
            double score = fast.DecodeAgain(hr, fast.Durations, again);
            double expectedScore = reference.Decode(likelihoods, hr, expected);
            Assert.Equal(expected, again);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expectedScore), BitConverter.DoubleToInt64Bits(score));
        }
    }

    [Fact]
    public void DecodeAgain_BeforeAnyDecodeOrWrongLength_Throws()
    {
        var decoder = new HsmmDecoder(50);
        var hr = new HeartRateEstimate(80, 0.3, 1);
        Assert.Throws<InvalidOperationException>(() => decoder.DecodeAgain(hr, decoder.Durations, new HeartState[10]));
        decoder.Decode(Enumerable.Repeat(0.25f, 40).ToArray(), hr, new HeartState[10]);
        Assert.Throws<ArgumentException>(() => decoder.DecodeAgain(hr, decoder.Durations, new HeartState[11]));
    }

    private static bool SameDecode(HsmmDecoder fast, ReferenceHsmmDecoder reference, float[] emissions, HeartRateEstimate hr, out string why)
    {
        int frames = emissions.Length / 4;
        var a = new HeartState[frames];
        var b = new HeartState[frames];
        double scoreA = fast.Decode(emissions, hr, a);
        double scoreB = reference.Decode(emissions, hr, b);
        int first = -1;
        for (int t = 0; t < frames; t++)
        {
            if (a[t] != b[t])
            {
                first = t;
                break;
            }
        }

        if (first >= 0)
        {
            why = $"{frames} frames at {hr.Bpm} bpm: first differing frame {first}: {a[first]} vs reference {b[first]}";
            return false;
        }

        if (BitConverter.DoubleToInt64Bits(scoreA) != BitConverter.DoubleToInt64Bits(scoreB))
        {
            why = $"{frames} frames at {hr.Bpm} bpm: score {scoreA:R} vs reference {scoreB:R}";
            return false;
        }

        why = string.Empty;
        return true;
    }

    /// <summary>Emission likelihoods of a shipped sample: features, the shipped logistic model, divided by the priors.</summary>
    private static float[] RealLikelihoods(string sample)
    {
        SegmenterParameters parameters = AnalysisSamples.Baseline;
        float[] features = RecordingAnalyzer.PrepareFeatures(AnalysisSamples.ReadAt2k(sample), AnalysisRate.SampleRate, FeatureSettings.Default);
        float[] posteriors = new float[features.Length];
        parameters.CreateModel().Predict(features, 4, posteriors);
        float[] priors = parameters.StatePriors.Select(p => (float)p).ToArray();
        EmissionLikelihood.FromPosteriors(posteriors, priors, posteriors);
        return posteriors;
    }
}
