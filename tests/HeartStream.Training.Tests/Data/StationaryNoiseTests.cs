using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

/// <summary>
/// <see cref="StationaryNoise"/> on a real recording's joined diastolic noise (samples/circor/13918_AV): the SYNTHETIC
/// output keeps the noise's RMS and colour (autocorrelation at a few lags) but is stationary, and a seed fixes it.
/// </summary>
public sealed class StationaryNoiseTests(ITestOutputHelper output)
{
    private static readonly float[] s_noise = DiastolicNoise();

    [Fact]
    public void Like_RealDiastolicNoise_SameRmsAndColour()
    {
        float[] synthetic = StationaryNoise.Like(s_noise, 40_000, seed: 3);

        Assert.Equal(40_000, synthetic.Length);
        Assert.InRange(StationaryNoise.Rms(synthetic) / StationaryNoise.Rms(s_noise), 0.99, 1.01);
        foreach (int lag in new[] { 1, 4, 16 })
        {
            double a = Autocorrelation(s_noise, lag), b = Autocorrelation(synthetic, lag);
            output.WriteLine($"lag {lag}: noise {a:0.000}, synthetic {b:0.000}");
            Assert.True(Math.Abs(a - b) <= 0.08, $"lag {lag}: noise {a:0.000}, synthetic {b:0.000}");
        }
    }

    [Fact]
    public void Like_RealDiastolicNoise_StationaryWhereTheJoinedDiastolesAreNot()
    {
        float[] synthetic = StationaryNoise.Like(s_noise, s_noise.Length, seed: 3);

        output.WriteLine($"block RMS spread: noise {BlockRmsSpread(s_noise):0.00}, synthetic {BlockRmsSpread(synthetic):0.00}");

        // RMS of 0.1-s blocks: the joined diastoles swing with the pieces' levels; the synthetic noise stays near its mean.
        Assert.True(BlockRmsSpread(synthetic) < 0.25, $"synthetic block RMS spread {BlockRmsSpread(synthetic):0.00}");
        Assert.True(BlockRmsSpread(s_noise) > BlockRmsSpread(synthetic), $"noise {BlockRmsSpread(s_noise):0.00} vs synthetic {BlockRmsSpread(synthetic):0.00}");
    }

    [Fact]
    public void Like_SameSeedSameNoise_OtherSeedOther()
    {
        Assert.Equal(StationaryNoise.Like(s_noise, 5000, seed: 1), StationaryNoise.Like(s_noise, 5000, seed: 1));
        Assert.NotEqual(StationaryNoise.Like(s_noise, 5000, seed: 1), StationaryNoise.Like(s_noise, 5000, seed: 2));
        Assert.Throws<ArgumentException>(() => StationaryNoise.Like(s_noise.AsSpan(0, 100), 5000, seed: 1));
    }

    private static float[] DiastolicNoise()
    {
        string wav = Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");
        WavAudio audio = WavReader.Read(wav);
        (float[] samples, double onset) = NoHeartSoundsSplice.Build(audio.Samples, audio.SampleRate, CirCorSegmentation.Read(Path.ChangeExtension(wav, ".tsv")), 10);
        return samples[(int)Math.Round(onset * audio.SampleRate)..];
    }

    private static double Autocorrelation(float[] x, int lag)
    {
        double mean = x.Average(v => (double)v), num = 0, den = 0;
        for (int i = 0; i < x.Length; i++)
        {
            den += (x[i] - mean) * (x[i] - mean);
            if (i + lag < x.Length)
            {
                num += (x[i] - mean) * (x[i + lag] - mean);
            }
        }

        return num / den;
    }

    private static double BlockRmsSpread(float[] x)
    {
        const int block = 400; // 0.1 s at 4 kHz
        double[] rms = [.. Enumerable.Range(0, x.Length / block).Select(b => StationaryNoise.Rms(x.AsSpan(b * block, block)))];
        double mean = rms.Average();
        return Math.Sqrt(rms.Average(r => (r - mean) * (r - mean))) / mean;
    }
}
