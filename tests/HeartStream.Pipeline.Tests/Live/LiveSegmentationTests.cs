using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>The live pipeline with the real streaming segmenter on the committed sample recordings.</summary>
public sealed class LiveSegmentationTests
{
    private static readonly Lazy<SegmenterParameters> s_parameters =
        new(() => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json")));

    [Fact]
    public async Task Events_RealSegmenterDifferentChunkings_AreEqual()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav"));
        var analyzers = new SegmentationAnalyzerFactory(s_parameters.Value);

        List<string> a = await LivePipelineTests.RunAsync(audio.Samples.ToArray(), [37], analyzers, audio.SampleRate);
        List<string> b = await LivePipelineTests.RunAsync(audio.Samples.ToArray(), [4000, 13, 999], analyzers, audio.SampleRate);

        Assert.Contains(a, e => e.StartsWith("beat", StringComparison.Ordinal));
        Assert.Equal(a, b);
    }

    /// <remarks>
    /// a0002 only: on weakly periodic recordings the streaming decoder (2 s look-ahead) cannot match the offline
    /// analyser's hindsight choice of heart rate (see the streaming tests: 0.89 pooled on the CirCor test split; 46532_AV
    /// scores 0.56), so the 0.98 check is made where the rhythm is clear; the next test pins the pipeline to the session.
    /// </remarks>
    [Theory]
    [InlineData("physionet2016/a0002.wav")]
    public async Task Beats_LivePipelineVersusOfflineAnalyzer_AgreeWithinSixtyMilliseconds(string sample)
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
        RecordingAnalysis offline = new RecordingAnalyzer(s_parameters.Value).Analyze(audio);
        List<HeartSound> live = await LiveSoundsAsync(audio);
        double f1 = F1(offline.Sounds, live, 0.060);

        Assert.True(offline.Sounds.Count > 10, $"offline found only {offline.Sounds.Count} sounds");
        Assert.True(f1 >= 0.98, $"{sample}: live vs offline F1 {f1:0.000} ({live.Count} live, {offline.Sounds.Count} offline)");
    }

    [Theory]
    [InlineData("circor/46532_AV.wav")]
    [InlineData("circor/13918_AV.wav")]
    [InlineData("physionet2016/a0035.wav")]
    public async Task Beats_LivePipeline_EqualTheStreamingSessionOverTheWholeFile(string sample)
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
        var session = new StreamingSegmentationSession(s_parameters.Value, audio.SampleRate);
        var direct = new List<HeartSound>();
        session.Push(audio.Samples, direct);
        session.Flush(direct);

        List<HeartSound> live = await LiveSoundsAsync(audio);

        Assert.NotEmpty(direct);
        Assert.Equal(direct, live);
    }

    private static async Task<List<HeartSound>> LiveSoundsAsync(WavAudio audio)
    {
        var sink = new CollectingSink();
        await using (var pipeline = new LivePipeline(new LivePipelineOptions(), new SegmentationAnalyzerFactory(s_parameters.Value), [sink]))
        {
            pipeline.Start();
            pipeline.AddDevice(new ArraySource("d", audio.Samples.ToArray(), audio.SampleRate, [400]));
            pipeline.CompleteAdding();
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        }

        return [.. sink.Beats("d").Select(b => b.Sound)];
    }

    /// <summary>F1 of sounds of the same type whose centres lie within the tolerance (each matched once, greedily in time).</summary>
    private static double F1(IReadOnlyList<HeartSound> reference, IReadOnlyList<HeartSound> found, double tolerance)
    {
        var used = new bool[found.Count];
        int matched = 0;
        foreach (HeartSound r in reference)
        {
            int best = -1;
            double bestDistance = tolerance;
            for (int i = 0; i < found.Count; i++)
            {
                double d = Math.Abs(found[i].CentreSeconds - r.CentreSeconds);
                if (!used[i] && found[i].Type == r.Type && d <= bestDistance)
                {
                    best = i;
                    bestDistance = d;
                }
            }

            if (best >= 0)
            {
                used[best] = true;
                matched++;
            }
        }

        return reference.Count + found.Count == 0 ? 1 : 2.0 * matched / (reference.Count + found.Count);
    }
}
