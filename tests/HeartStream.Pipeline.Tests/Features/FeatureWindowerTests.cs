using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Tests.Dsp;

namespace HeartStream.Pipeline.Tests.Features;

[Collection(AllocationCollection.Name)]
public class FeatureWindowerTests
{
    private static readonly FeatureSettings Small = FeatureSettings.Default with { WindowFrames = 50, HopFrames = 20 };

    [Fact]
    public void Push_StreamOfFrames_EmitsZScoredChannelMajorWindowsAtHop()
    {
        float[] frames = RandomFrames(200, seed: 5);
        var windower = new FeatureWindower(Small);
        var windows = new float[10 * Small.WindowLength];
        int n = windower.Push(frames, windows);
        Assert.Equal(((200 - 50) / 20) + 1, n);
        for (int w = 0; w < n; w++)
        {
            long start = windower.StartFrame(w);
            for (int c = 0; c < 4; c++)
            {
                double[] raw = Enumerable.Range(0, 50).Select(f => (double)frames[((start + f) * 4) + c]).ToArray();
                double mean = raw.Average();
                double std = Math.Sqrt(raw.Select(v => (v - mean) * (v - mean)).Average());
                for (int f = 0; f < 50; f++)
                {
                    float got = windows[(w * Small.WindowLength) + (c * 50) + f];
                    Assert.True(Math.Abs(got - ((raw[f] - mean) / std)) < 1e-4, $"window {w} channel {c} frame {f}");
                }
            }
        }
    }

    [Fact]
    public void Push_OneFrameAtATime_SameWindowsAsOneCall()
    {
        float[] frames = RandomFrames(300, seed: 6);
        var whole = new float[20 * Small.WindowLength];
        int n = new FeatureWindower(Small).Push(frames, whole);
        var windower = new FeatureWindower(Small);
        var single = new float[whole.Length];
        int m = 0;
        for (int f = 0; f < 300; f++)
        {
            Assert.Equal(windower.MaxWindows(1), windower.Push(frames.AsSpan(f * 4, 4), single.AsSpan(m * Small.WindowLength)));
            m = (int)windower.WindowsEmitted;
        }

        Assert.Equal(n, m);
        Assert.Equal(whole, single);
    }

    [Fact]
    public void Push_SteadyState_AllocatesNothing()
    {
        float[] frames = RandomFrames(1000, seed: 7);
        var windower = new FeatureWindower(FeatureSettings.Default);
        var windows = new float[20 * FeatureSettings.Default.WindowLength];
        windower.Push(frames, windows);
        long allocated = SteadyState.LeastAllocated(3, _ =>
        {
            windower.Push(frames, windows);
            windower.Push(frames.AsSpan(0, 64 * 4), windows);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Push_ConstantFrames_GiveZerosNotNaN()
    {
        float[] frames = Enumerable.Repeat(new[] { 1e-10f, 0f, 0.5f, 3f }, 60).SelectMany(v => v).ToArray();
        var windows = new float[10 * Small.WindowLength];
        int n = new FeatureWindower(Small).Push(frames, windows);
        Assert.Equal(1, n);
        Assert.All(windows.AsSpan(0, Small.WindowLength).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Push_PartialFrame_Throws()
    {
        var windower = new FeatureWindower(Small);
        Assert.Throws<ArgumentException>(() => windower.Push(new float[6], new float[1000]));
    }

    [Fact]
    public void ToWindows_FeatureMatrix_EqualsLiveWindowerOverStreamedFrames()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        FeatureMatrix m = FeatureMatrix.Compute(x, Small);
        float[] offline = m.ToWindows();
        Assert.Equal(m.WindowCount * Small.WindowLength, offline.Length);

        var extractor = new StreamingFeatureExtractor(Small);
        var windower = new FeatureWindower(Small);
        var frames = new float[m.FrameCount * 4];
        var live = new float[offline.Length + Small.WindowLength];
        int f = 0, w = 0;
        for (int pos = 0; pos < x.Length; pos += 500)
        {
            int got = extractor.Process(x.AsSpan(pos, Math.Min(500, x.Length - pos)), frames.AsSpan(f * 4));
            w += windower.Push(frames.AsSpan(f * 4, got * 4), live.AsSpan(w * Small.WindowLength));
            f += got;
        }

        int flushed = extractor.Flush(frames.AsSpan(f * 4));
        w += windower.Push(frames.AsSpan(f * 4, flushed * 4), live.AsSpan(w * Small.WindowLength));
        Assert.Equal(m.WindowCount, w);
        Assert.Equal(offline, live.AsSpan(0, offline.Length).ToArray());
    }

    private static float[] RandomFrames(int count, int seed)
    {
        var rng = new Random(seed);
        var frames = new float[count * 4];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)(rng.NextDouble() * (1 + (i % 4)));
        }

        return frames;
    }
}
