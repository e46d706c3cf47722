using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Inference.Models;
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
    public async Task NeuralAnalyzerThroughTheBatcher_SteadyState_NothingPerWindow()
    {
        // Measured 2026-12-02: 0.08-0.12 bytes per frame in every round (the test's own async helper, ~120 bytes a
        // pass). The batcher runs a batch as soon as a window arrives here; with the service's 4 ms wait (a reusable
        // timer) each round takes 1.2 s and the count is 0.39-0.43 bytes per frame, which is the test host's background
        // allocation over that time (~1.6 KB/s measured idle; 12-s runs: 26 KB working vs 20 KB idle).
        // The neural analyzer's work crosses threads (the device awaits the batcher's worker), where a per-thread counter
        // sees nothing; this collection runs alone, so the whole process's count is this test's, plus the test host's
        // own background work (a ~800 KB burst of reflection and serialisation at some moment of a run, timers). Several
        // rounds are measured and the least is kept: the host's burst lands in one round, an allocation per window in all.
        RegisteredModel registered = new ModelRegistry(RepoPaths.Models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(registered);
        var options = NeuralStreamingOptions.Default;
        using var stage = new BatchedInferenceStage(
            segmenter.CreateBatchModel(owned: false, options.ResolveWindowFrames(segmenter.Manifest.WindowFrames)), new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
        Task worker = stage.RunAsync();
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        var analyzer = new NeuralSegmentationAnalyzer(stage, segmenter.Decoder, audio.SampleRate, options);
        var sounds = new List<HeartSound>(16384);
        ReadOnlyMemory<float> samples = audio.Samples;
        int chunk = audio.SampleRate / 10;
        for (int pass = 0; pass < 2; pass++)
        {
            await PushAllAsync(); // warm-up: JIT, pools, the decoder's rate window filled
        }

        var rounds = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            int pushed = 0;
            for (int pass = 0; pass < 3; pass++)
            {
                pushed += await PushAllAsync();
            }

            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            rounds.Add(allocated / ((double)pushed / audio.SampleRate * AnalysisRate.FrameRate));
        }

        stage.Complete();
        await worker;
        double least = rounds.Min();
        output.WriteLine($"neural analyzer + batcher, whole process, bytes per frame in 6 rounds of ~4,300 frames, batcher without a wait: {string.Join(", ", rounds.Select(r => r.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}");

        // Any object per window (24 bytes at least, every 25 frames) would be ~1 byte per frame in every round.
        Assert.True(least < 0.25, $"{least:0.000} bytes per frame in the quietest round");

        async Task<int> PushAllAsync()
        {
            int n = 0;
            for (int i = 0; i + chunk <= samples.Length; i += chunk)
            {
                await analyzer.PushAsync(samples.Slice(i, chunk), sounds);
                n += chunk;
            }

            sounds.Clear();
            return n;
        }
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
