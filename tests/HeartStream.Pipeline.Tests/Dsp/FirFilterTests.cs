using HeartStream.Pipeline.Dsp;

namespace HeartStream.Pipeline.Tests.Dsp;

public class FirFilterTests
{
    [Fact]
    public void Process_AnyChunking_MatchesDirectConvolutionAndIsBitwiseChunkInvariant()
    {
        var rng = new Random(7);
        float[] taps = FirDesign.BandPass(81, 125, 250, AnalysisRate.SampleRate);
        var x = new float[3000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        var whole = new float[x.Length];
        new FirFilter(taps).Process(x, whole);

        var chunked = new float[x.Length];
        var fir = new FirFilter(taps, maxBlock: 64);
        for (int pos = 0; pos < x.Length;)
        {
            int n = Math.Min(rng.Next(1, 300), x.Length - pos);
            fir.Process(x.AsSpan(pos, n), chunked.AsSpan(pos, n));
            pos += n;
        }

        Assert.Equal(whole, chunked);
        for (int i = 0; i < x.Length; i++)
        {
            double direct = 0;
            for (int k = 0; k < taps.Length && k <= i; k++)
            {
                direct += taps[k] * (double)x[i - k];
            }

            Assert.True(Math.Abs(direct - whole[i]) < 1e-5, $"sample {i}: {whole[i]} vs {direct}");
        }
    }
}
