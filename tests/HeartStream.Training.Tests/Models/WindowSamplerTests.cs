using HeartStream.Pipeline.Features;
using HeartStream.Training.Models;
using HeartStream.TestSupport;

namespace HeartStream.Training.Tests.Models;

/// <summary>The segmenter's training windows: channel-major copies of the serving features, padded and seeded.</summary>
public sealed class WindowSamplerTests
{
    [Fact]
    public void Fill_RecordingShorterThanWindow_PadsWithZerosAndIgnoredTargets()
    {
        var recording = new LabelledRecording("short", [.. Enumerable.Range(1, 12).Select(i => (float)i)], [0, 1, 2], [], new(0, 1));
        var sampler = new WindowSampler([recording], 4, 5, seed: 1);
        var x = new float[2 * 4 * 5];
        var targets = new long[10];

        sampler.Fill(2, x, targets);

        Assert.Equal([0L, 1, 2, -1, -1, 0, 1, 2, -1, -1], targets);
        Assert.Equal([1f, 5f, 9f, 0f, 0f], x[..5]); // channel 0 of frames 0..2, then padding
        Assert.Equal([4f, 8f, 12f, 0f, 0f], x[15..20]); // channel 3
    }

    [Fact]
    public void Fill_WrongBufferSizes_Throws()
    {
        var recording = new LabelledRecording("short", new float[12], [0, 1, 2], [], new(0, 1));
        var sampler = new WindowSampler([recording], 4, 5, seed: 1);

        Assert.Throws<ArgumentException>(() => sampler.Fill(2, new float[39], new long[10]));
        Assert.Throws<ArgumentException>(() => sampler.Fill(2, new float[40], new long[9]));
    }

    [Fact]
    public void Fill_SameSeed_SameBatches()
    {
        string dir = Path.Combine(RepoPaths.Samples, "circor");
        LabelledRecording first = SegmenterData.Load("13918_AV", Path.Combine(dir, "13918_AV.wav"), Path.Combine(dir, "13918_AV.tsv"), FeatureSettings.Default);
        var a = new WindowSampler([first], 4, 64, seed: 9);
        var b = new WindowSampler([first], 4, 64, seed: 9);
        var c = new WindowSampler([first], 4, 64, seed: 10);
        float[] xa = new float[3 * 4 * 64], xb = new float[xa.Length], xc = new float[xa.Length];
        long[] ya = new long[192], yb = new long[192], yc = new long[192];

        a.Fill(3, xa, ya);
        b.Fill(3, xb, yb);
        c.Fill(3, xc, yc);

        Assert.Equal(xa, xb);
        Assert.Equal(ya, yb);
        Assert.NotEqual(xa, xc);
        Assert.Contains(ya, y => y >= 0);
    }
}
