using System.Globalization;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Tests.Features;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Live window classification against the offline <see cref="Inference.Models.OnnxWindowClassifier"/> on the same frames:
/// real shipped models, real features of committed samples.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class LiveWindowClassifierTests(ITestOutputHelper output)
{
    private const string Sample = "circor/46532_AV.wav"; // 20.5 s: 1024 frames

    [Theory]
    [InlineData("classifier-abnormal")]
    [InlineData("classifier-pascal")]
    public void OnFrames_OneFullWindow_EqualsOfflineClassifierOnTheSameFrames(string name)
    {
        LiveClassifierModel model = LiveClassifierTestData.Model(name);
        float[] features = LiveClassifierTestData.Features(Sample);
        var live = new LiveWindowClassifier(model);
        int w = model.WindowFrames;

        Feed(live, features, 0, w, chunk: 7);

        var p = new float[model.Classes.Count];
        Assert.True(live.TryRead(out double seconds, p));
        Assert.False(live.TryRead(out _, p));
        Assert.Equal(w / 50.0, seconds, 9);
        float[] expected = LiveClassifierTestData.OfflineWindow(model, features, w);
        for (int k = 0; k < p.Length; k++)
        {
            Assert.Equal(expected[k], p[k], 6);
        }

        Assert.Equal(1f, p.Sum(), 4);
    }

    [Fact]
    public void OnFrames_OneFrameShortOfAWindow_ReportsNothing()
    {
        LiveClassifierModel model = LiveClassifierTestData.Model("classifier-pascal");
        float[] features = LiveClassifierTestData.Features(Sample);
        var live = new LiveWindowClassifier(model);
        var p = new float[model.Classes.Count];

        Feed(live, features, 0, model.WindowFrames - 1, chunk: 25);
        Assert.False(live.TryRead(out _, p));
        Assert.Equal(0, live.Classifications);

        Feed(live, features, model.WindowFrames - 1, model.WindowFrames, chunk: 1);
        Assert.True(live.TryRead(out _, p));
    }

    [Fact]
    public void OnFrames_SeveralIntervals_ReportsTheMeanOfTheLastWindowsEveryInterval()
    {
        LiveClassifierModel model = LiveClassifierTestData.Model("classifier-abnormal");
        float[] features = LiveClassifierTestData.Features(Sample);
        int w = model.WindowFrames;
        var live = new LiveWindowClassifier(model, intervalSeconds: 1, averageSeconds: 2); // every 50 frames, mean of 2
        int frames = w + 160;

        Feed(live, features, 0, frames, chunk: 13);

        int[] ends = [w, w + 50, w + 100, w + 150];
        Assert.Equal(2, live.AveragedWindows);
        Assert.Equal(ends.Length, live.PendingResults);
        var p = new float[model.Classes.Count];
        for (int i = 0; i < ends.Length; i++)
        {
            Assert.True(live.TryRead(out double seconds, p));
            Assert.Equal(ends[i] / 50.0, seconds, 9);
            float[] current = LiveClassifierTestData.OfflineWindow(model, features, ends[i]);
            float[] previous = i == 0 ? current : LiveClassifierTestData.OfflineWindow(model, features, ends[i - 1]);
            for (int k = 0; k < p.Length; k++)
            {
                Assert.Equal((current[k] + previous[k]) / 2, p[k], 6);
            }
        }

        Assert.False(live.TryRead(out _, p));
    }

    [Fact]
    public void OnFrames_FrameIndexRestarts_ForgetsTheWindowAndWaitsForAFullOne()
    {
        LiveClassifierModel model = LiveClassifierTestData.Model("classifier-pascal");
        float[] features = LiveClassifierTestData.Features(Sample);
        int w = model.WindowFrames;
        var live = new LiveWindowClassifier(model);
        var p = new float[model.Classes.Count];
        Feed(live, features, 0, w + 100, chunk: 25);
        Assert.True(live.TryRead(out _, p));

        // The analyzer was reset: frame indices start at 0 again, with other audio.
        Feed(live, features, 200, 200 + w - 1, chunk: 25, firstIndex: 0);
        Assert.False(live.TryRead(out _, p));
        Feed(live, features, 200 + w - 1, 200 + w, chunk: 1, firstIndex: w - 1);

        Assert.True(live.TryRead(out double seconds, p));
        Assert.Equal(w / 50.0, seconds, 9);
        float[] expected = LiveClassifierTestData.OfflineWindow(model, features, 200 + w); // not averaged with the old stream
        Assert.Equal(expected[0], p[0], 6);
    }

    [Fact]
    public void OnFrames_WrongChannelCount_ThrowsNamingBoth()
    {
        var live = new LiveWindowClassifier(LiveClassifierTestData.Model("classifier-pascal"));
        var e = Assert.Throws<ArgumentException>(() => live.OnFrames(new float[6], 3, 0));
        Assert.Contains("4-channel", e.Message, StringComparison.Ordinal);
        Assert.Contains("3-channel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnFramesAndTryRead_SteadyState_AllocateNothing()
    {
        LiveClassifierModel model = LiveClassifierTestData.Model("classifier-pascal");
        float[] features = LiveClassifierTestData.Features(Sample);
        var live = new LiveWindowClassifier(model, intervalSeconds: 1);
        var p = new float[model.Classes.Count];
        Feed(live, features, 0, 400, chunk: 5); // warm: first runs, JIT
        while (live.TryRead(out _, p))
        {
        }

        int results = 0;
        long allocated = SteadyState.LeastAllocated(5, round =>
        {
            int from = 400 + (round * 100);
            Feed(live, features, from, from + 100, chunk: 5);
            while (live.TryRead(out _, p))
            {
                results++;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(10, results); // windows ending at frames 406, 456, …, 856
        Assert.Equal(0, live.DroppedResults);
    }

    [Fact]
    public void TryRead_MoreResultsThanThePendingQueueHolds_DropsTheOldest()
    {
        LiveClassifierModel model = LiveClassifierTestData.Model("classifier-abnormal");
        float[] features = LiveClassifierTestData.Features(Sample);
        var live = new LiveWindowClassifier(model, intervalSeconds: 0.1); // every 5 frames
        int extra = LiveWindowClassifier.MaxPendingResults + 2;

        Feed(live, features, 0, 256 + (5 * (extra - 1)), chunk: 64);

        Assert.Equal(extra, live.Classifications);
        Assert.Equal(2, live.DroppedResults);
        var p = new float[model.Classes.Count];
        Assert.True(live.TryRead(out double oldest, p));
        Assert.Equal((256 + 10) / 50.0, oldest, 9);
    }

    [Fact]
    public void Classify_CpuPerClassification_IsMeasured()
    {
        foreach (string name in new[] { "classifier-abnormal", "classifier-pascal" })
        {
            LiveClassifierModel model = LiveClassifierTestData.Model(name);
            float[] features = LiveClassifierTestData.Features(Sample);
            int frames = features.Length / 4;
            var live = new LiveWindowClassifier(model, intervalSeconds: 0.1); // a run every 5 frames
            Feed(live, features, 0, frames, chunk: 5);
            long runsBefore = live.Classifications;
            double start = ThreadCpuTime.Seconds();
            long first = frames;
            for (int pass = 0; pass < 4; pass++, first += frames)
            {
                Feed(live, features, 0, frames, chunk: 5, firstIndex: first);
            }

            double cpu = ThreadCpuTime.Seconds() - start;
            long runs = live.Classifications - runsBefore;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-20} {runs} windows in {cpu:0.000} CPU s = {cpu / runs * 1000:0.00} ms per classification ({ThreadCpuTime.Source}, incl. frame copies)"));
            Assert.True(runs > 100);
        }
    }

    /// <summary>Feeds frames [from, to) of <paramref name="features"/> as frame indices starting at <paramref name="firstIndex"/> (default: from).</summary>
    private static void Feed(LiveWindowClassifier live, float[] features, int from, int to, int chunk, long? firstIndex = null)
    {
        long index = firstIndex ?? from;
        for (int f = from; f < to; f += chunk)
        {
            int n = Math.Min(chunk, to - f);
            live.OnFrames(features.AsSpan(f * 4, n * 4), 4, index);
            index += n;
        }
    }
}
