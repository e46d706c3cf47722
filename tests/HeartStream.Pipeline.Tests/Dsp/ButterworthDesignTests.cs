using System.Numerics;
using HeartStream.Pipeline.Dsp;

namespace HeartStream.Pipeline.Tests.Dsp;

public class ButterworthDesignTests
{
    private const double Fs = AnalysisRate.SampleRate;

    public static TheoryData<string> Designs => new() { "bandpass_4_25_400", "lowpass_2_8", "lowpass_4_20", "bandpass_2_40_60", "highpass_3_100" };

    [Theory]
    [MemberData(nameof(Designs))]
    public void Response_ScipyButterSosfreqz_MatchesToRounding(string name)
    {
        var cascade = new BiquadCascade(Design(name));
        double[][] rows = File.ReadAllLines(Path.Combine(FeatureFixtures.Folder, "responses.csv")).Skip(1)
            .Where(l => l.StartsWith(name + ",", StringComparison.Ordinal))
            .Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        Assert.NotEmpty(rows);
        foreach (double[] r in rows)
        {
            Complex h = cascade.Response(r[0], Fs);
            Assert.True(Complex.Abs(h - new Complex(r[1], r[2])) < 1e-9, $"{name} at {r[0]} Hz: got {h}, scipy {r[1]}+{r[2]}i");
        }
    }

    [Fact]
    public void BandPass_SyntheticSignal_MatchesScipySosfilt()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        float[] expected = FeatureFixtures.ReadFloats("bandpass.bin");
        var cascade = new BiquadCascade(ButterworthDesign.BandPass(4, 25, 400, Fs));
        var y = new float[x.Length];
        cascade.Process(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) < 2e-6, $"sample {i}: {y[i]} vs scipy {expected[i]}");
        }
    }

    [Fact]
    public void BandPass_Order4_HasFourSectionsAndUnitCentreGain()
    {
        BiquadSection[] sos = ButterworthDesign.BandPass(4, 25, 400, Fs);
        var cascade = new BiquadCascade(sos);
        Assert.Equal(4, cascade.SectionCount);
        Assert.InRange(cascade.Response(100, Fs).Magnitude, 0.999, 1.001);
        Assert.InRange(cascade.Response(25, Fs).Magnitude, 0.70, 0.72); // -3 dB at the edges
        Assert.InRange(cascade.Response(400, Fs).Magnitude, 0.70, 0.72);
    }

    [Fact]
    public void SetSteadyState_ConstantInput_OutputIsConstant()
    {
        var cascade = new BiquadCascade(ButterworthDesign.LowPass(2, 8, Fs));
        cascade.SetSteadyState(-7.5);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(-7.5, cascade.ProcessSample(-7.5), 9);
        }
    }

    [Theory]
    [InlineData(0, 10.0)]
    [InlineData(4, 0.0)]
    [InlineData(4, 1000.0)]
    [InlineData(4, double.NaN)]
    public void LowPass_InvalidArguments_Throws(int order, double cutoff)
    {
        Assert.ThrowsAny<ArgumentException>(() => ButterworthDesign.LowPass(order, cutoff, Fs));
    }

    [Fact]
    public void BandPass_EdgesReversed_ThrowsNamingEdges()
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => ButterworthDesign.BandPass(2, 400, 25, Fs));
        Assert.Contains("low edge", e.Message, StringComparison.Ordinal);
    }

    private static BiquadSection[] Design(string name) => name switch
    {
        "bandpass_4_25_400" => ButterworthDesign.BandPass(4, 25, 400, Fs),
        "lowpass_2_8" => ButterworthDesign.LowPass(2, 8, Fs),
        "lowpass_4_20" => ButterworthDesign.LowPass(4, 20, Fs),
        "bandpass_2_40_60" => ButterworthDesign.BandPass(2, 40, 60, Fs),
        "highpass_3_100" => ButterworthDesign.HighPass(3, 100, Fs),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown design"),
    };
}
