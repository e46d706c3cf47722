using HeartStream.Capture.Sources;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>The whole live pipeline with a deterministic fake analyzer: drain, isolation of failing devices, backpressure.</summary>
public sealed class LivePipelineTests
{
    private const int Rate = 2000;
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Completion_FiniteSources_EveryBeatArrivesBeforeCompletion()
    {
        var analyzers = new FakeAnalyzerFactory();
        var sink = new CollectingSink();
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers, [sink]);
        pipeline.Start();
        pipeline.AddDevice(new ArraySource("a", ArraySource.Noise(Rate * 12), Rate, [173]));
        pipeline.AddDevice(new ArraySource("b", ArraySource.Noise(Rate * 7), Rate, [2000, 11]));
        pipeline.CompleteAdding();

        await pipeline.Completion.WaitAsync(s_hang);

        Assert.Equal(FakeAnalyzer.SoundsIn(12), sink.Beats("a").Count);
        Assert.Equal(FakeAnalyzer.SoundsIn(7), sink.Beats("b").Count);
        Assert.Equal(DeviceStatus.Offline, sink.Statuses("a")[^1].Status);
        Assert.Equal(DeviceStatus.Offline, sink.Statuses("b")[^1].Status);
        Assert.True(sink.Completed);
        Assert.Equal(0, pipeline.DroppedSamples);
    }

    [Fact]
    public async Task StopAsync_LiveSources_DrainsEveryAnalysedSound()
    {
        var analyzers = new FakeAnalyzerFactory();
        var sink = new CollectingSink();
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers, [sink]);
        pipeline.Start();
        var source = new ArraySource("a", ArraySource.Noise(Rate * 9), Rate, [100], blockAtEnd: true);
        pipeline.AddDevice(source);
        await source.Exhausted.Task.WaitAsync(s_hang);

        await pipeline.StopAsync().WaitAsync(s_hang);

        Assert.Equal(FakeAnalyzer.SoundsIn(9), sink.Beats("a").Count);
        Assert.Equal(analyzers.Created["a"].Emitted, sink.Beats("a").Count);
        Assert.Equal(DeviceStatus.Offline, sink.Statuses("a")[^1].Status);
    }

    [Fact]
    public async Task AddDevice_CorruptAndBadHeaderFiles_FailAloneWhileAnotherKeepsProducingBeats()
    {
        string dir = Directory.CreateTempSubdirectory("heartstream-live-").FullName;
        try
        {
            string good = Path.Combine(dir, "good.wav");
            string truncated = Path.Combine(dir, "truncated.wav");
            string badHeader = Path.Combine(dir, "bad-header.wav");
            WriteWav(good, ArraySource.Noise(Rate * 10), Rate);
            byte[] bytes = File.ReadAllBytes(good);
            File.WriteAllBytes(truncated, bytes[..(44 + (Rate * 2 * 3) + 1)]); // header says 10 s; 3 s and half a sample follow
            File.WriteAllBytes(badHeader, [.. "RIFX"u8.ToArray(), .. bytes[4..200]]);
            var analyzers = new FakeAnalyzerFactory();
            var sink = new CollectingSink();
            await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers, [sink]);
            pipeline.Start();
            var fast = new WavReplayOptions { Speed = 0 };
            pipeline.AddDevice(new WavFileSource(truncated, "truncated", fast));
            pipeline.AddDevice(new WavFileSource(badHeader, "bad-header", fast));
            pipeline.AddDevice(new WavFileSource(good, "good", fast));
            pipeline.CompleteAdding();

            await pipeline.Completion.WaitAsync(s_hang);

            DeviceStatusEvent cut = sink.Statuses("truncated")[^1];
            Assert.Equal(DeviceStatus.Error, cut.Status);
            Assert.Contains("truncated.wav", cut.Reason, StringComparison.Ordinal);
            DeviceStatusEvent header = Assert.Single(sink.Statuses("bad-header"));
            Assert.Equal(DeviceStatus.Error, header.Status);
            Assert.Contains("bad-header.wav", header.Reason, StringComparison.Ordinal);
            Assert.Equal(FakeAnalyzer.SoundsIn(10), sink.Beats("good").Count);
            Assert.Equal(DeviceStatus.Offline, sink.Statuses("good")[^1].Status);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AddDevice_AnalyzerRejectsAudio_DeviceFailsAlone()
    {
        var analyzers = new FakeAnalyzerFactory(failAfterSeconds: 2.0);
        var sink = new CollectingSink();
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers, [sink]);
        pipeline.Start();
        pipeline.AddDevice(new ArraySource("a", ArraySource.Noise(Rate * 5), Rate, [500]));
        pipeline.CompleteAdding();

        await pipeline.Completion.WaitAsync(s_hang);

        DeviceStatusEvent last = sink.Statuses("a")[^1];
        Assert.Equal(DeviceStatus.Error, last.Status);
        Assert.Contains("audio rejected", last.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowSink_BlocksUpstreamWithoutLoss_WhileCaptureDropsAndCounts()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var analyzers = new FakeAnalyzerFactory();
        var sink = new CollectingSink(gate.Task);
        var options = new LivePipelineOptions { CaptureQueueChunks = 2, EventQueueCapacity = 4, ChunkMilliseconds = 100 };
        await using var pipeline = new LivePipeline(options, analyzers, [sink]);
        pipeline.Start();
        const int total = Rate * 600;
        var source = new ArraySource("a", ArraySource.Noise(total), Rate, [200], isLive: true);
        pipeline.AddDevice(source);

        await source.Exhausted.Task.WaitAsync(s_hang); // the device produced everything while the sink was stuck
        gate.SetResult();
        pipeline.CompleteAdding();
        await pipeline.Completion.WaitAsync(s_hang);

        Assert.True(pipeline.DroppedSamples > 0, "the capture edge should have dropped under overload");
        Assert.Equal(total, (long)Math.Round(pipeline.AnalysedSeconds * Rate) + pipeline.DroppedSamples);
        Assert.Equal(analyzers.Created["a"].Emitted, sink.Beats("a").Count);
        Assert.Equal(DeviceStatus.Offline, sink.Statuses("a")[^1].Status);
    }

    [Fact]
    public async Task Completion_SinkFails_FaultsAndAbortsDevices()
    {
        var sink = new CollectingSink(failWith: new InvalidOperationException("sink broke"));
        await using var pipeline = new LivePipeline(new LivePipelineOptions { EventQueueCapacity = 2 }, new FakeAnalyzerFactory(), [sink]);
        pipeline.Start();
        pipeline.AddDevice(new ArraySource("a", ArraySource.Noise(Rate * 60), Rate, [100], blockAtEnd: true));

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.Completion.WaitAsync(s_hang));

        Assert.Equal("sink broke", error.Message);
    }

    [Fact]
    public async Task AddDevice_DuplicateId_Throws()
    {
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), new FakeAnalyzerFactory(), []);
        pipeline.Start();
        pipeline.AddDevice(new ArraySource("a", ArraySource.Noise(10), Rate, [10], blockAtEnd: true));

        Assert.Throws<ArgumentException>(() => pipeline.AddDevice(new ArraySource("a", ArraySource.Noise(10), Rate, [10])));
        await pipeline.StopAsync().WaitAsync(s_hang);
    }

    [Fact]
    public async Task Events_DifferentChunkings_AreEqual()
    {
        float[] audio = ArraySource.Noise(Rate * 15, seed: 7);
        List<string> a = await RunAsync(audio, [37]);
        List<string> b = await RunAsync(audio, [2000, 1, 999]);

        Assert.NotEmpty(a);
        Assert.Equal(a, b);
    }

    internal static async Task<List<string>> RunAsync(float[] audio, int[] chunks, IDeviceAnalyzerFactory? analyzers = null, int rate = Rate)
    {
        var sink = new CollectingSink();
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers ?? new FakeAnalyzerFactory(), [sink]);
        pipeline.Start();
        pipeline.AddDevice(new ArraySource("d", audio, rate, chunks));
        pipeline.CompleteAdding();
        await pipeline.Completion.WaitAsync(s_hang);

        // Everything but the wall-clock latency.
        return [.. sink.Events.Select(e => e is BeatEvent b ? $"beat {b.Sound}" : e.ToString())];
    }

    private static void WriteWav(string path, float[] samples, int rate)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples.Length * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(rate);
        writer.Write(rate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples.Length * 2);
        foreach (float s in samples)
        {
            writer.Write((short)Math.Clamp(s * 32767, -32768, 32767));
        }
    }
}
