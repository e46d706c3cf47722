using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>Steady-state allocation of the per-chunk work of the live path (measured on this thread only).</summary>
[Collection(AllocationCollection.Name)]
public sealed class LiveAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void VitalsAndPool_SteadyState_AllocateNothingPerChunk()
    {
        var tracker = new VitalsTracker(4000, 1.0, 10.0);
        var pool = new ChunkPool(400, 4);
        float[] chunk = ArraySource.Noise(400);
        Run(tracker, pool, chunk, 0, 200); // warm-up

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(tracker, pool, chunk, 200, 2000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SegmentationSessionAnalyzer_SteadyState_ReportsBytesPerFrame()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        var parameters = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        var analyzer = new SegmentationSessionAnalyzer(parameters, audio.SampleRate);
        var sounds = new List<HeartSound>(4096);
        ReadOnlySpan<float> samples = audio.Samples;
        int chunk = audio.SampleRate / 10;
        int warm = samples.Length / 2;
        for (int i = 0; i + chunk <= warm; i += chunk)
        {
            analyzer.Push(samples.Slice(i, chunk), sounds);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int pushed = 0;
        for (int i = warm; i + chunk <= samples.Length; i += chunk)
        {
            analyzer.Push(samples.Slice(i, chunk), sounds);
            pushed += chunk;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double frames = (double)pushed / audio.SampleRate * AnalysisRate.FrameRate;
        output.WriteLine($"session: {allocated} bytes over {frames:0} frames = {allocated / frames:0.0} bytes per frame");
        Assert.True(frames > 100);
    }

    [Fact]
    public void SegmentationSession_WholeRecording_ReportsCpuPerDeviceSecond()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        var parameters = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        var sounds = new List<HeartSound>(4096);
        foreach (StreamingDecoderOptions options in new[]
        {
            StreamingDecoderOptions.Default,
            StreamingDecoderOptions.Default with { LookaheadSeconds = 1, StepSeconds = 0.5 },
        })
        {
            double best = double.MaxValue;
            for (int run = 0; run < 3; run++)
            {
                var analyzer = new SegmentationSessionAnalyzer(parameters, audio.SampleRate, options);
                ReadOnlySpan<float> samples = audio.Samples;
                var watch = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i + 400 <= samples.Length; i += 400)
                {
                    analyzer.Push(samples.Slice(i, 400), sounds);
                }

                best = Math.Min(best, watch.Elapsed.TotalMilliseconds / audio.DurationSeconds);
            }

            output.WriteLine($"session look-ahead {options.LookaheadSeconds} s, step {options.StepSeconds} s: {best:0.00} ms per device-second (best of 3, wall, shared machine)");
        }

        Assert.NotEmpty(sounds);
    }

    private static void Run(VitalsTracker tracker, ChunkPool pool, float[] chunk, int from, int to)
    {
        for (int k = from; k < to; k++)
        {
            float[] buffer = pool.Rent();
            chunk.CopyTo(buffer, 0);
            tracker.AddAudio(buffer);
            double t = k * 0.1;
            if (k % 8 == 0)
            {
                tracker.AddSound(new HeartSound(SoundType.S1, t, t + 0.1));
            }

            while (tracker.TryNext(t, out _, out _, out _, out _, out _))
            {
            }

            pool.Return(buffer);
        }
    }
}
