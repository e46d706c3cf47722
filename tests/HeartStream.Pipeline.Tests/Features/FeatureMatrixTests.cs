using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Tests.Dsp;

namespace HeartStream.Pipeline.Tests.Features;

public class FeatureMatrixTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(39)]
    [InlineData(40)]
    [InlineData(1000)]
    [InlineData(8000)]
    [InlineData(8039)]
    public void Compute_AnyLength_GivesOneFramePerFortySamples(int samples)
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        float[] audio = new float[samples];
        x.AsSpan(0, Math.Min(samples, x.Length)).CopyTo(audio);
        FeatureMatrix m = FeatureMatrix.Compute(audio, FeatureSettings.Default);
        Assert.Equal(samples / 40, m.FrameCount);
    }

    [Fact]
    public void NormalizedPerChannel_SyntheticSignal_ZeroMeanUnitStd()
    {
        FeatureMatrix m = FeatureMatrix.Compute(FeatureFixtures.ReadFloats("signal.bin"), FeatureSettings.Default).NormalizedPerChannel();
        for (int c = 0; c < 4; c++)
        {
            double[] v = Enumerable.Range(0, m.FrameCount).Select(f => (double)m[f, c]).ToArray();
            double mean = v.Average();
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(Math.Sqrt(v.Select(a => (a - mean) * (a - mean)).Average()), 0.999, 1.001);
        }
    }

    [Fact]
    public void Compute_PrefixOfRecording_SharesFramesWithWholeRecording()
    {
        // Causality: frames not affected by the flush are identical whatever follows them.
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        FeatureMatrix whole = FeatureMatrix.Compute(x, FeatureSettings.Default);
        FeatureMatrix prefix = FeatureMatrix.Compute(x.AsSpan(0, 6000), FeatureSettings.Default);
        int unaffected = (6000 / 40) - 28;
        Assert.Equal(whole.Data[..(unaffected * 4)].ToArray(), prefix.Data[..(unaffected * 4)].ToArray());
    }
}
