using HeartStream.Pipeline.Dsp;

namespace HeartStream.Pipeline.Tests.Dsp;

public class StreamingSpikeRemoverTests
{
    private const int Block = 1000;

    [Fact]
    public void Process_CleanSignal_IsReleasedUnchangedOneBlockLater()
    {
        float[] x = Beats(10 * Block, seed: 1);
        float[] y = Run(x, out StreamingSpikeRemover remover);
        Assert.Equal(0, remover.LobesRemoved);
        Assert.Equal(x.Length - Block, y.Length);
        Assert.Equal(x.AsSpan(0, y.Length).ToArray(), y);
    }

    [Fact]
    public void Process_InjectedSpike_IsZeroedAndRestUntouched()
    {
        float[] x = Beats(10 * Block, seed: 2);
        int at = (6 * Block) + 437;
        float[] spiky = (float[])x.Clone();
        float[] shape = [2f, 6f, 9f, 5f, 1.5f];
        for (int i = 0; i < shape.Length; i++)
        {
            spiky[at - 2 + i] += shape[i];
        }

        float[] y = Run(spiky, out StreamingSpikeRemover remover);
        Assert.True(remover.LobesRemoved >= 1);
        float blockMax = 0;
        for (int i = 6 * Block; i < 7 * Block; i++)
        {
            blockMax = Math.Max(blockMax, Math.Abs(y[i]));
        }

        Assert.True(blockMax < 1.0f, $"spike survived: block max {blockMax}");
        Assert.Equal(0f, y[at]);
        // Blocks without the spike are untouched.
        Assert.Equal(spiky.AsSpan(0, 6 * Block).ToArray(), y.AsSpan(0, 6 * Block).ToArray());
        Assert.Equal(spiky.AsSpan(7 * Block, y.Length - (7 * Block)).ToArray(), y.AsSpan(7 * Block).ToArray());
    }

    [Fact]
    public void Process_Silence_StaysZero()
    {
        float[] y = Run(new float[5 * Block], out StreamingSpikeRemover remover);
        Assert.Equal(0, remover.LobesRemoved);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Process_OutputTooSmall_ThrowsWithCount()
    {
        var remover = new StreamingSpikeRemover(Block, 15, 3, 8);
        remover.Process(new float[Block], []);
        ArgumentException e = Assert.Throws<ArgumentException>(() => remover.Process(new float[10], new float[5]));
        Assert.Contains("releases 10", e.Message, StringComparison.Ordinal);
    }

    private static float[] Run(float[] x, out StreamingSpikeRemover remover)
    {
        remover = new StreamingSpikeRemover(Block, 15, 3, 8);
        var y = new float[x.Length];
        int n = 0;
        var rng = new Random(3);
        for (int pos = 0; pos < x.Length;)
        {
            int len = Math.Min(rng.Next(1, 700), x.Length - pos);
            n += remover.Process(x.AsSpan(pos, len), y.AsSpan(n));
            pos += len;
        }

        return y.AsSpan(0, n).ToArray();
    }

    private static float[] Beats(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t = i / (double)AnalysisRate.SampleRate;
            double phase = t % 0.8;
            double burst = Math.Exp(-0.5 * Math.Pow((phase - 0.1) / 0.02, 2)) + (0.6 * Math.Exp(-0.5 * Math.Pow((phase - 0.4) / 0.02, 2)));
            x[i] = (float)((0.5 * burst * Math.Sin(2 * Math.PI * 60 * t)) + (0.01 * ((rng.NextDouble() * 2) - 1)));
        }

        return x;
    }
}
