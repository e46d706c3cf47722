using System.Threading.Channels;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// The stage contract, for every stage: it completes its output when its input ends, a fault travels down through the
/// output, cancellation ends it, and a full output pushes back (only the capture edge drops, and counts).
/// </summary>
public sealed class StageContractTests
{
    private const int Rate = 1000;
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CaptureStage_SourceEnds_CompletesChannelWithEverySample()
    {
        var pool = new ChunkPool(100, 8);
        Channel<AudioChunk> channel = CaptureStage.CreateChannel(1000, pool, _ => { });
        var source = new ArraySource("a", ArraySource.Noise(1234), Rate, [100, 7]);
        await source.OpenAsync();

        await CaptureStage.RunAsync(source, channel.Writer, pool, CancellationToken.None, CancellationToken.None).WaitAsync(s_hang);

        long total = 0;
        long expectedFirst = 0;
        await foreach (AudioChunk chunk in channel.Reader.ReadAllAsync())
        {
            Assert.Equal(expectedFirst, chunk.FirstSample);
            expectedFirst += chunk.Count;
            total += chunk.Count;
        }

        Assert.Equal(1234, total);
        Assert.True(channel.Reader.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task CaptureStage_SourceThrows_FaultsChannelWithThatException()
    {
        var pool = new ChunkPool(100, 8);
        Channel<AudioChunk> channel = CaptureStage.CreateChannel(1000, pool, _ => { });
        var source = new ArraySource("a", ArraySource.Noise(1000), Rate, [100], failAfter: 300);
        await source.OpenAsync();

        await CaptureStage.RunAsync(source, channel.Writer, pool, CancellationToken.None, CancellationToken.None).WaitAsync(s_hang);

        Assert.Equal(3, Drain(channel.Reader));
        IOException error = await Assert.ThrowsAsync<IOException>(() => channel.Reader.Completion.WaitAsync(s_hang));
        Assert.Contains("corrupt at sample 300", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptureStage_Abort_CompletesChannelWithCancellation()
    {
        var pool = new ChunkPool(100, 8);
        Channel<AudioChunk> channel = CaptureStage.CreateChannel(1000, pool, _ => { });
        var source = new ArraySource("a", ArraySource.Noise(100), Rate, [100], blockAtEnd: true);
        await source.OpenAsync();
        using var abort = new CancellationTokenSource();

        Task run = CaptureStage.RunAsync(source, channel.Writer, pool, CancellationToken.None, abort.Token);
        await source.Exhausted.Task.WaitAsync(s_hang);
        await abort.CancelAsync();
        await run.WaitAsync(s_hang);

        Drain(channel.Reader);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => channel.Reader.Completion.WaitAsync(s_hang));
    }

    [Fact]
    public async Task CaptureStage_GracefulStop_CompletesChannelNormally()
    {
        var pool = new ChunkPool(100, 8);
        Channel<AudioChunk> channel = CaptureStage.CreateChannel(1000, pool, _ => { });
        var source = new ArraySource("a", ArraySource.Noise(250), Rate, [100], blockAtEnd: true);
        await source.OpenAsync();
        using var stop = new CancellationTokenSource();

        Task run = CaptureStage.RunAsync(source, channel.Writer, pool, stop.Token, CancellationToken.None);
        await source.Exhausted.Task.WaitAsync(s_hang);
        await stop.CancelAsync();
        await run.WaitAsync(s_hang);

        Assert.Equal(3, Drain(channel.Reader));
        await channel.Reader.Completion.WaitAsync(s_hang);
    }

    [Fact]
    public async Task CaptureStage_ChannelFull_DropsOldestAndCountsEverySample()
    {
        var pool = new ChunkPool(100, 4);
        long dropped = 0;
        Channel<AudioChunk> channel = CaptureStage.CreateChannel(3, pool, n => dropped += n);
        var source = new ArraySource("a", ArraySource.Noise(1000), Rate, [100]);
        await source.OpenAsync();

        // Nobody reads: the device must still never block.
        await CaptureStage.RunAsync(source, channel.Writer, pool, CancellationToken.None, CancellationToken.None).WaitAsync(s_hang);

        var kept = new List<long>();
        await foreach (AudioChunk chunk in channel.Reader.ReadAllAsync())
        {
            kept.Add(chunk.FirstSample);
        }

        Assert.Equal(700, dropped);
        Assert.Equal(new long[] { 700, 800, 900 }, kept);
    }

    [Fact]
    public async Task DeviceAnalysisStage_InputCompletes_FlushesAndCompletesOutput()
    {
        (DeviceAnalysisStage stage, Channel<AudioChunk> input, ChunkPool pool, FakeAnalyzer analyzer) = MakeStage();
        Channel<PipelineEvent> output = Channel.CreateUnbounded<PipelineEvent>();
        WriteChunks(input, pool, 5000, 250);
        input.Writer.Complete();

        await stage.RunAsync(input.Reader, output.Writer).WaitAsync(s_hang);

        List<PipelineEvent> events = await ReadAllAsync(output.Reader);
        Assert.Equal(DeviceStatus.Online, Assert.IsType<DeviceStatusEvent>(events[0]).Status);
        Assert.Equal(DeviceStatus.Offline, Assert.IsType<DeviceStatusEvent>(events[^1]).Status);
        Assert.Equal(FakeAnalyzer.SoundsIn(5.0), events.OfType<BeatEvent>().Count());
        Assert.Equal(analyzer.Emitted, events.OfType<BeatEvent>().Count());
        Assert.Equal(5, events.OfType<VitalsEvent>().Count());
    }

    [Fact]
    public async Task DeviceAnalysisStage_InputFaulted_WritesErrorWithReasonAndCompletesNormally()
    {
        (DeviceAnalysisStage stage, Channel<AudioChunk> input, ChunkPool pool, _) = MakeStage();
        Channel<PipelineEvent> output = Channel.CreateUnbounded<PipelineEvent>();
        WriteChunks(input, pool, 2000, 250);
        input.Writer.Complete(new IOException("WAV 'bed-3.wav': data chunk cut short"));

        await stage.RunAsync(input.Reader, output.Writer).WaitAsync(s_hang);

        List<PipelineEvent> events = await ReadAllAsync(output.Reader);
        DeviceStatusEvent last = Assert.IsType<DeviceStatusEvent>(events[^1]);
        Assert.Equal(DeviceStatus.Error, last.Status);
        Assert.Contains("cut short", last.Reason, StringComparison.Ordinal);
        Assert.NotEmpty(events.OfType<BeatEvent>());
        Assert.True(output.Reader.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DeviceAnalysisStage_Cancelled_CompletesOutputWithCancellation()
    {
        (DeviceAnalysisStage stage, Channel<AudioChunk> input, _, _) = MakeStage();
        Channel<PipelineEvent> output = Channel.CreateUnbounded<PipelineEvent>();
        using var abort = new CancellationTokenSource();

        Task run = stage.RunAsync(input.Reader, output.Writer, abort.Token);
        await abort.CancelAsync();
        await run.WaitAsync(s_hang);

        Drain(output.Reader);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => output.Reader.Completion.WaitAsync(s_hang));
    }

    [Fact]
    public async Task DeviceAnalysisStage_OutputFull_WaitsAndLosesNothing()
    {
        (DeviceAnalysisStage stage, Channel<AudioChunk> input, ChunkPool pool, FakeAnalyzer analyzer) = MakeStage();
        Channel<PipelineEvent> output = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait });
        WriteChunks(input, pool, 10_000, 1000);
        input.Writer.Complete();

        Task run = stage.RunAsync(input.Reader, output.Writer);
        var events = new List<PipelineEvent>();
        while (await output.Reader.WaitToReadAsync().AsTask().WaitAsync(s_hang))
        {
            Assert.False(run.IsCompleted && output.Reader.Count > 1, "the stage wrote past a full channel");
            while (output.Reader.TryRead(out PipelineEvent? e))
            {
                events.Add(e);
                await Task.Yield();
            }
        }

        await run.WaitAsync(s_hang);
        Assert.Equal(analyzer.Emitted, events.OfType<BeatEvent>().Count());
        Assert.Equal(DeviceStatus.Offline, Assert.IsType<DeviceStatusEvent>(events[^1]).Status);
    }

    [Fact]
    public async Task EventDispatchStage_InputCompletes_DeliversAllAndCompletesSinks()
    {
        Channel<PipelineEvent> input = Channel.CreateUnbounded<PipelineEvent>();
        var a = new CollectingSink();
        var b = new CollectingSink();
        for (int i = 0; i < 10; i++)
        {
            input.Writer.TryWrite(new DeviceStatusEvent("d", i, DeviceStatus.Online, null));
        }

        input.Writer.Complete();
        await EventDispatchStage.RunAsync(input.Reader, [a, b]).WaitAsync(s_hang);

        Assert.Equal(10, a.Events.Count);
        Assert.Equal(10, b.Events.Count);
        Assert.True(a.Completed && b.Completed);
    }

    [Fact]
    public async Task EventDispatchStage_InputFaulted_FaultsWithThatException()
    {
        Channel<PipelineEvent> input = Channel.CreateUnbounded<PipelineEvent>();
        input.Writer.Complete(new InvalidOperationException("upstream broke"));

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => EventDispatchStage.RunAsync(input.Reader, [new CollectingSink()]));

        Assert.Equal("upstream broke", error.Message);
    }

    [Fact]
    public async Task EventDispatchStage_SinkThrows_Faults()
    {
        Channel<PipelineEvent> input = Channel.CreateUnbounded<PipelineEvent>();
        input.Writer.TryWrite(new DeviceStatusEvent("d", 0, DeviceStatus.Online, null));

        await Assert.ThrowsAsync<TimeoutException>(() => EventDispatchStage.RunAsync(input.Reader, [new CollectingSink(failWith: new TimeoutException("sink down"))]));
    }

    [Fact]
    public async Task EventDispatchStage_Cancelled_EndsWithCancellation()
    {
        Channel<PipelineEvent> input = Channel.CreateUnbounded<PipelineEvent>();
        using var abort = new CancellationTokenSource();
        Task run = EventDispatchStage.RunAsync(input.Reader, [new CollectingSink()], abort.Token);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_hang));
    }

    [Fact]
    public async Task FanInChannelWriter_LastLeaseCompletes_CompletesChannel()
    {
        Channel<int> channel = Channel.CreateUnbounded<int>();
        var fanIn = new FanInChannelWriter<int>(channel.Writer);
        ChannelWriter<int> a = fanIn.CreateLease();
        ChannelWriter<int> b = fanIn.CreateLease();

        await a.WriteAsync(1);
        a.TryComplete();
        bool completedEarly = channel.Reader.Completion.IsCompleted;
        await b.WriteAsync(2);
        b.TryComplete();

        Assert.False(completedEarly);
        Assert.False(a.TryWrite(3));
        var items = new List<int>();
        while (await channel.Reader.WaitToReadAsync())
        {
            items.Add(await channel.Reader.ReadAsync());
        }

        Assert.Equal(new[] { 1, 2 }, items);
        Assert.Throws<InvalidOperationException>(() => fanIn.CreateLease());
    }

    [Fact]
    public async Task FanInChannelWriter_LeaseFaults_FaultsChannelAtOnce()
    {
        Channel<int> channel = Channel.CreateUnbounded<int>();
        var fanIn = new FanInChannelWriter<int>(channel.Writer);
        ChannelWriter<int> a = fanIn.CreateLease();
        _ = fanIn.CreateLease();

        a.TryComplete(new InvalidOperationException("stage broke"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => channel.Reader.Completion.WaitAsync(s_hang));
    }

    private static (DeviceAnalysisStage Stage, Channel<AudioChunk> Input, ChunkPool Pool, FakeAnalyzer Analyzer) MakeStage()
    {
        var pool = new ChunkPool(1000, 4);
        var analyzer = new FakeAnalyzer(Rate);
        var stage = new DeviceAnalysisStage("dev", Rate, analyzer, pool, 1.0, 5.0);
        Channel<AudioChunk> input = Channel.CreateUnbounded<AudioChunk>();
        return (stage, input, pool, analyzer);
    }

    private static int Drain<T>(ChannelReader<T> reader)
    {
        int n = 0;
        while (reader.TryRead(out _))
        {
            n++;
        }

        return n;
    }

    private static void WriteChunks(Channel<AudioChunk> input, ChunkPool pool, int samples, int chunk)
    {
        float[] audio = ArraySource.Noise(samples);
        for (int start = 0; start < samples; start += chunk)
        {
            float[] buffer = pool.Rent();
            int n = Math.Min(chunk, samples - start);
            audio.AsSpan(start, n).CopyTo(buffer);
            Assert.True(input.Writer.TryWrite(new AudioChunk(buffer, n, start, 0)));
        }
    }

    private static async Task<List<PipelineEvent>> ReadAllAsync(ChannelReader<PipelineEvent> reader)
    {
        var events = new List<PipelineEvent>();
        await foreach (PipelineEvent e in reader.ReadAllAsync())
        {
            events.Add(e);
        }

        return events;
    }
}
