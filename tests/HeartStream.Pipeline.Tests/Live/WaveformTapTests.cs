using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>The display envelope (synthetic signals, said so): peaks per bin, blocks, chunking invariance.</summary>
public sealed class WaveformTapTests
{
    [Fact]
    public void Add_PeakOfEachBin_InBlocksWithTheirFirstSample()
    {
        var tap = new WaveformTap(sampleRate: 100, pointsPerSecond: 10, pointsPerBlock: 5); // bins of 10 samples
        float[] x = new float[120];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 10 == 3 ? -1f : 0.1f) * (i / 10 + 1); // bin b's peak |x| is b + 1, at a negative sample
        }

        tap.Add(x);
        Assert.True(tap.TryTake(out float[] first, out long at0));
        Assert.Equal(0, at0);
        Assert.Equal([1f, 2f, 3f, 4f, 5f], first);
        Assert.True(tap.TryTake(out float[] second, out long at1));
        Assert.Equal(50, at1);
        Assert.Equal([6f, 7f, 8f, 9f, 10f], second);
        Assert.False(tap.TryTake(out _, out _)); // 20 samples wait for the third block
    }

    [Fact]
    public void Add_AnyChunking_SameBlocks()
    {
        var rng = new Random(5);
        float[] x = [.. Enumerable.Range(0, 4000).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        List<float> whole = Blocks(x, [x.Length]);
        Assert.Equal(whole, Blocks(x, [1, 7, 399, 2, 1000]));
        Assert.Equal(4000 / 80 / 25 * 25, whole.Count); // 2 kHz at 25 points/s: 80 samples a bin, 25 bins a block
    }

    private static List<float> Blocks(float[] x, int[] chunks)
    {
        var tap = new WaveformTap(2000, 25, 25);
        var peaks = new List<float>();
        int at = 0, c = 0;
        while (at < x.Length)
        {
            int n = Math.Min(chunks[c++ % chunks.Length], x.Length - at);
            tap.Add(x.AsSpan(at, n));
            at += n;
            while (tap.TryTake(out float[] block, out _))
            {
                peaks.AddRange(block);
            }
        }

        return peaks;
    }
}
