using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Tests.Dsp;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Features;

[Collection(AllocationCollection.Name)]
public class StreamingFeatureExtractorTests(ITestOutputHelper output)
{
    private const int Channels = 4;

    [Fact]
    public void Compute_SyntheticSignal_MatchesScipyReferencePipeline()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        double[][] expected = FeatureFixtures.ReadCsv("frames.csv");
        FeatureMatrix m = FeatureMatrix.Compute(x, FeatureSettings.Default);
        Assert.Equal(expected.Length, m.FrameCount);
        for (int c = 0; c < Channels; c++)
        {
            double scale = expected.Max(r => Math.Abs(r[c]));
            for (int f = 0; f < m.FrameCount; f++)
            {
                // float32 audio/FIR arithmetic vs float64 scipy: agreement to 1e-4 of the channel's range.
                Assert.True(Math.Abs(m[f, c] - expected[f][c]) <= 1e-4 * scale, $"frame {f} channel {(FeatureChannel)c}: {m[f, c]} vs scipy {expected[f][c]}");
            }
        }
    }

    [Fact]
    public void Process_RandomChunkSizes_BitwiseEqualToWholeSignal()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        float[] whole = RunWhole(x);
        Prop.ForAll(Gen.Choose(1, 3000).ListOf().ToArbitrary(), sizes =>
        {
            float[] chunked = RunChunked(x, sizes.Count == 0 ? [1] : sizes.ToArray());
            return whole.AsSpan().SequenceEqual(chunked);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Process_RealRecordingInSeededRandomChunks_BitwiseEqualToWholeSignal()
    {
        var recordings = FeatureFixtures.RealRecordings(2);
        if (recordings.Count == 0)
        {
            output.WriteLine("SKIPPED: shared data set (../shared/data/physionet2016) not found.");
            return;
        }

        var rng = new Random(42);
        foreach ((string name, float[] audio) in recordings)
        {
            float[] whole = RunWhole(audio);
            int[] sizes = Enumerable.Range(0, 64).Select(_ => rng.Next(1, 5000)).ToArray();
            float[] chunked = RunChunked(audio, sizes);
            Assert.True(whole.AsSpan().SequenceEqual(chunked), $"{name}: chunked frames differ");
            Assert.All(whole, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Process_SteadyState_AllocatesNothing()
    {
        var extractor = new StreamingFeatureExtractor();
        float[] audio = FeatureFixtures.ReadFloats("signal.bin");
        var frames = new float[audio.Length / 40 * Channels];
        extractor.Process(audio, frames); // warm up (JIT, tiering)
        extractor.Process(audio, frames);
        long allocated = SteadyState.LeastAllocated(5, _ =>
        {
            extractor.Process(audio.AsSpan(0, 333), frames);
            extractor.Process(audio.AsSpan(333, 4000), frames);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Process_Latency_FirstFrameAfterTwentyEightFramesOfAudio()
    {
        var extractor = new StreamingFeatureExtractor();
        Assert.Equal(28, extractor.LatencyFrames);
        var frames = new float[1000];
        Assert.Equal(0, extractor.Process(new float[(28 * 40) + 39], frames));
        Assert.Equal(1, extractor.MaxFrames(1));
        Assert.Equal(1, extractor.Process(new float[1], frames));
        Assert.Equal(2, extractor.Process(new float[80], frames));
        Assert.Equal(3, extractor.FramesEmitted);
    }

    [Fact]
    public void Compute_Silence_GivesFiniteZerosAfterNormalisation()
    {
        FeatureMatrix m = FeatureMatrix.Compute(new float[10 * AnalysisRate.SampleRate], FeatureSettings.Default);
        Assert.Equal(500, m.FrameCount);
        Assert.All(m.Data.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(m.NormalizedPerChannel().Data.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(m.ToWindows(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Compute_HardClippedSignal_GivesFiniteValues()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        float[] clipped = x.Select(v => Math.Clamp(v * 20, -1f, 1f)).ToArray();
        FeatureMatrix m = FeatureMatrix.Compute(clipped, FeatureSettings.Default);
        Assert.All(m.Data.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(m.ToWindows(), v => Assert.True(float.IsFinite(v)));
        Assert.True(m[100, (int)FeatureChannel.Hilbert] > 0);
    }

    [Fact]
    public void Reset_AfterUse_ReproducesFreshFrames()
    {
        float[] x = FeatureFixtures.ReadFloats("signal.bin");
        var extractor = new StreamingFeatureExtractor();
        var first = new float[x.Length / 40 * Channels];
        var second = new float[first.Length];
        int n1 = extractor.Process(x, first);
        extractor.Reset();
        int n2 = extractor.Process(x, second);
        Assert.Equal(n1, n2);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Process_NaNSample_ThrowsNamingTheProblem()
    {
        var extractor = new StreamingFeatureExtractor();
        var audio = new float[100];
        audio[50] = float.NaN;
        ArgumentException e = Assert.Throws<ArgumentException>(() => extractor.Process(audio, new float[400]));
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_FrameBufferTooSmall_Throws()
    {
        var extractor = new StreamingFeatureExtractor();
        Assert.Throws<ArgumentException>(() => extractor.Process(new float[4000], new float[4]));
    }

    [Fact]
    public void Process_RealRecordings_ReportsThroughput()
    {
        var recordings = FeatureFixtures.RealRecordings(20);
        if (recordings.Count == 0)
        {
            output.WriteLine("SKIPPED: shared data set (../shared/data/physionet2016) not found.");
            return;
        }

        var extractor = new StreamingFeatureExtractor();
        var frames = new float[recordings.Max(r => r.Audio.Length) / 40 * Channels];
        extractor.Process(recordings[0].Audio, frames); // warm up
        double seconds = 0;
        double cpuBefore = ThreadCpuTime.Seconds();
        var wall = Stopwatch.StartNew();
        foreach ((_, float[] audio) in recordings)
        {
            extractor.Reset();
            extractor.Process(audio, frames);
            seconds += audio.Length / (double)AnalysisRate.SampleRate;
        }

        wall.Stop();
        double cpu = ThreadCpuTime.Seconds() - cpuBefore;
        output.WriteLine($"{recordings.Count} recordings, {seconds:F0} s of audio: {seconds / wall.Elapsed.TotalSeconds:F0} s of audio per wall second, {seconds / Math.Max(cpu, 1e-9):F0} per CPU second of this thread ({ThreadCpuTime.Source}).");
        Assert.True(seconds > 0);
    }

    private static float[] RunWhole(float[] x)
    {
        var extractor = new StreamingFeatureExtractor();
        var frames = new float[x.Length / 40 * Channels];
        int n = extractor.Process(x, frames);
        return frames.AsSpan(0, n * Channels).ToArray();
    }

    private static float[] RunChunked(float[] x, int[] sizes)
    {
        var extractor = new StreamingFeatureExtractor();
        var frames = new float[x.Length / 40 * Channels];
        int written = 0, k = 0;
        for (int pos = 0; pos < x.Length; k++)
        {
            int n = Math.Min(sizes[k % sizes.Length], x.Length - pos);
            written += extractor.Process(x.AsSpan(pos, n), frames.AsSpan(written * Channels));
            pos += n;
        }

        return frames.AsSpan(0, written * Channels).ToArray();
    }
}
