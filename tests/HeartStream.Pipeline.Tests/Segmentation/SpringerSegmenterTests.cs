using HeartStream.Pipeline.Segmentation;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>End to end on synthetic recordings: features and envelope generated from a known state sequence.</summary>
[Collection(AllocationCollection.Name)]
public sealed class SpringerSegmenterTests(ITestOutputHelper output)
{
    private static readonly int[] s_cycle = [6, 10, 5, 19];

    /// <summary>4 channels per frame: state-dependent means plus noise; envelope: S1 = 1, S2 = 0.6, else 0, plus noise.</summary>
    private static (float[] Features, float[] Envelope, HeartState[] Truth) Recording(int frames, int seed)
    {
        HeartState[] truth = SyntheticHeart.Sequence(frames, HeartState.Diastole, 5 + (seed % 7), s_cycle, [0, 1, -1, 1, 0, -1]);
        float[][] means = [[1.5f, 1.2f, 1f, 1.3f], [-0.5f, -0.4f, -0.6f, -0.5f], [1f, 0.9f, 1.2f, 0.7f], [-0.8f, -0.7f, -0.9f, -0.6f]];
        var rng = new Random(seed);
        var features = new float[frames * 4];
        var envelope = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            for (int c = 0; c < 4; c++)
            {
                features[(t * 4) + c] = means[(int)truth[t]][c] + (float)(0.6 * SyntheticHeart.Gaussian(rng));
            }

            envelope[t] = (truth[t] switch { HeartState.S1 => 1f, HeartState.S2 => 0.6f, _ => 0f }) + (float)(0.05 * SyntheticHeart.Gaussian(rng));
        }

        return (features, envelope, truth);
    }

    private static SegmenterParameters Train()
    {
        (float[] x, _, HeartState[] truth) = Recording(2000, 100);
        return SegmenterParameters.FromModel(LogisticEmissionTrainer.Fit([x], [truth.Select(s => (int)s).ToArray()], 4));
    }

    [Fact]
    public void Segment_SyntheticRecording_RecoversStatesSoundsAndRate()
    {
        SegmenterParameters parameters = Train();
        (float[] x, float[] env, HeartState[] truth) = Recording(1500, 7);
        var segmenter = new SpringerSegmenter(3000);

        SegmentationResult result = segmenter.Segment(x, 4, env, parameters);

        Assert.InRange(result.HeartRate.Bpm, 73, 77);
        double correct = truth.Zip(result.States).Count(p => p.First == p.Second) / (double)truth.Length;
        output.WriteLine($"frame accuracy {correct:P2}, {result.Sounds.Count} sounds, {result.HeartRate}");
        Assert.True(correct > 0.97, $"frame accuracy {correct:P2}");
        List<HeartSound> expected = HeartSoundExtractor.FromStates(truth, 50);
        Assert.Equal(expected.Count, result.Sounds.Count);
        Assert.All(expected.Zip(result.Sounds), p => Assert.True(p.First.Type == p.Second.Type && Math.Abs(p.First.CentreSeconds - p.Second.CentreSeconds) < 0.041, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Segment_FlatFeaturesAndEnvelope_FallsBackWithZeroConfidence()
    {
        // Heart rate comes from the S1/S2 posteriors first and the envelope second: with both flat, nothing is periodic.
        SegmentationResult result = new SpringerSegmenter(300).Segment(new float[300 * 4], 4, new float[300], Train());

        Assert.Equal(0, result.HeartRate.Confidence);
        Assert.True(SyntheticHeart.IsCycleOrder(result.States.ToArray()));
    }

    [Fact]
    public void Segment_MismatchedEnvelope_Throws()
    {
        (float[] x, float[] env, _) = Recording(300, 3);

        Assert.Contains("envelope", Assert.Throws<ArgumentException>(() => new SpringerSegmenter(300).Segment(x, 4, env[..299], Train())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Segment_SpanOverloadAfterWarmUp_AllocatesNothing()
    {
        SegmenterParameters parameters = Train();
        (float[] x, float[] env, _) = Recording(3000, 9);
        var segmenter = new SpringerSegmenter(3000);
        var states = new HeartState[3000];
        var sounds = new List<HeartSound>(400);
        segmenter.Segment(x, 4, env, parameters, states, sounds);

        long allocated = SteadyState.LeastAllocated(3, _ =>
        {
            sounds.Clear();
            segmenter.Segment(x, 4, env, parameters, states, sounds);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Segment_SixtySeconds_ReportsSpeed()
    {
        // Measures and prints only (emissions + heart rate + decode + sounds; feature extraction not included).
        SegmenterParameters parameters = Train();
        (float[] x, float[] env, _) = Recording(3000, 9);
        var segmenter = new SpringerSegmenter(3000);
        var states = new HeartState[3000];
        var sounds = new List<HeartSound>(400);
        segmenter.Segment(x, 4, env, parameters, states, sounds);
        const int Repeats = 50;
        TimeSpan cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < Repeats; i++)
        {
            sounds.Clear();
            segmenter.Segment(x, 4, env, parameters, states, sounds);
        }

        sw.Stop();
        double cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        output.WriteLine($"segment 60 s: {sw.Elapsed.TotalMilliseconds / Repeats:F3} ms wall per call, {Repeats * 60 / cpu:F0} s of audio per process-CPU second");
        Assert.NotEmpty(sounds);
    }
}
