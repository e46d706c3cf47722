using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>
/// Compares <see cref="StreamingResampler.Resample"/> with sox ("rate -v", linear phase) on the
/// synthetic chirp + noise fixtures made by Fixtures/resampler/make_fixtures.sh.
/// </summary>
/// <remarks>
/// The two filters differ on purpose: sox -v is flat to about 0.475·F (F = the lower rate) with a
/// steeper transition; ours is flat to 0.45·F and stops at 0.50·F. Both are linear phase and
/// time-aligned (sox removes its delay too), so where both pass flat (below 0.40·F, clear of either
/// transition) the outputs can differ only by both filters' pass-band ripple (~1e-4.5) and float
/// rounding. We compare there: Blackman-Harris window (sidelobes -92 dB, so the content between
/// 0.45·F and 0.5·F, where the filters legitimately differ, cannot leak into the compared bins), DFT
/// bins below 0.40·F, difference energy relative to sox's signal energy. Measured: -106 to -117 dB.
/// Tolerance -80 dB: margin for ripple and rounding, yet any real fault fails it (a one-sample shift
/// gives about 0 dB, a 0.1 dB gain error -39 dB, a ripple of 0.001 dB about -79 dB).
/// </remarks>
public class StreamingResamplerSoxGoldenTests(ITestOutputHelper output)
{
    private const double ToleranceDb = -80;

    [Theory]
    [InlineData(1000)]
    [InlineData(4000)]
    [InlineData(8000)]
    [InlineData(44100)]
    public void Resample_SyntheticChirpAndNoise_MatchesSoxInPassBand(int inRate)
    {
        string folder = Path.Combine(RepoPaths.Fixtures("Capture.Tests"), "resampler");
        WavAudio input = WavReader.Read(Path.Combine(folder, $"in_{inRate}.wav"));
        WavAudio sox = WavReader.Read(Path.Combine(folder, $"sox_{inRate}_to_2000.wav"));
        Assert.Equal(inRate, input.SampleRate);
        Assert.Equal(2000, sox.SampleRate);

        float[] ours = StreamingResampler.Resample(input.Samples, inRate, 2000);

        Assert.Equal(sox.Samples.Length, ours.Length);
        double bandEdgeHz = 0.40 * Math.Min(inRate, 2000);
        (double signal, double difference) = BandEnergies(sox.Samples, ours, 2000, bandEdgeHz);
        double db = 10 * Math.Log10(difference / signal);
        output.WriteLine($"{inRate} -> 2000 Hz: difference to sox below {bandEdgeHz} Hz = {db:F1} dB");
        Assert.True(db < ToleranceDb, $"{inRate} -> 2000 Hz differs from sox by {db:F1} dB in the pass-band");
    }

    [Fact]
    public void Resample_OneSampleShift_WouldFailTheComparison()
    {
        // Guards the test itself: the tolerance must reject an alignment error.
        string folder = Path.Combine(RepoPaths.Fixtures("Capture.Tests"), "resampler");
        WavAudio input = WavReader.Read(Path.Combine(folder, "in_4000.wav"));
        WavAudio sox = WavReader.Read(Path.Combine(folder, "sox_4000_to_2000.wav"));
        float[] ours = StreamingResampler.Resample(input.Samples, 4000, 2000);
        float[] shifted = [0f, .. ours[..^1]];

        (double signal, double difference) = BandEnergies(sox.Samples, shifted, 2000, 800);

        Assert.True(10 * Math.Log10(difference / signal) > ToleranceDb);
    }

    /// <summary>Energy of <paramref name="reference"/> and of the difference, in DFT bins below <paramref name="edgeHz"/>, after a Blackman-Harris window.</summary>
    private static (double Signal, double Difference) BandEnergies(float[] reference, float[] actual, int rate, double edgeHz)
    {
        int n = reference.Length;
        double[] w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double p = 2 * Math.PI * i / (n - 1);
            w[i] = 0.35875 - (0.48829 * Math.Cos(p)) + (0.14128 * Math.Cos(2 * p)) - (0.01168 * Math.Cos(3 * p));
        }

        int bins = (int)(edgeHz * n / rate);
        double signal = 0;
        double difference = 0;
        for (int k = 0; k <= bins; k++)
        {
            double rRe = 0, rIm = 0, dRe = 0, dIm = 0;
            for (int i = 0; i < n; i++)
            {
                double angle = -2 * Math.PI * k * i / n;
                double c = Math.Cos(angle);
                double s = Math.Sin(angle);
                double r = reference[i] * w[i];
                double d = (actual[i] - reference[i]) * w[i];
                rRe += r * c;
                rIm += r * s;
                dRe += d * c;
                dIm += d * s;
            }

            signal += (rRe * rRe) + (rIm * rIm);
            difference += (dRe * dRe) + (dIm * dIm);
        }

        return (signal, difference);
    }
}
