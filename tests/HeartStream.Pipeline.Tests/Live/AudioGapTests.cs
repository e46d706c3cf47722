using System.Threading.Channels;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Audio that never reached analysis (chunks missing from the device stream, as a full capture queue drops them) is
/// reported as an <see cref="AudioGapEvent"/> where analysis resumes, so the alert engine does not take it for silence.
/// Synthetic noise chunks (said so), the fake analyzer.
/// </summary>
public sealed class AudioGapTests
{
    private const int Rate = 2000;

    [Fact]
    public async Task RunAsync_ChunksMissingFromTheStream_OneGapEventWhereAudioResumes()
    {
        var pool = new ChunkPool(200, 8);
        var stage = new DeviceAnalysisStage("bed-1", Rate, new FakeAnalyzer(Rate), pool, 1.0, 10.0);
        var input = Channel.CreateUnbounded<AudioChunk>();
        var output = Channel.CreateUnbounded<PipelineEvent>();
        foreach (long first in new long[] { 0, 200, 1000, 1200, 1400 }) // 600 samples (0.3 s) lost after 400
        {
            float[] buffer = pool.Rent();
            Array.Fill(buffer, 0.1f);
            Assert.True(input.Writer.TryWrite(new AudioChunk(buffer, 200, first, 0)));
        }

        input.Writer.Complete();
        await stage.RunAsync(input.Reader, output.Writer);
        List<PipelineEvent> events = [];
        await foreach (PipelineEvent e in output.Reader.ReadAllAsync())
        {
            events.Add(e);
        }

        AudioGapEvent gap = Assert.Single(events.OfType<AudioGapEvent>());
        Assert.Equal(0.3, gap.GapSeconds, 9);
        Assert.Equal(0.5, gap.StreamTimeSeconds, 9);
        Assert.Equal(1000, stage.AnalysedSamples);
    }
}
