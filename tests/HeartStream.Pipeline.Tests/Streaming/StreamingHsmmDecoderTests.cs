using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Tests.Features;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>The sliding-window decoder on real posteriors (the committed samples): latency bound, chunking, allocation, edges, cost.</summary>
[Collection(AllocationCollection.Name)]
public sealed class StreamingHsmmDecoderTests(ITestOutputHelper output)
{
    [Fact]
    public void Push_FrameByFrame_EmitsNoSoundLaterThanLookaheadPlusOneStep()
    {
        foreach ((float[] posteriors, float[] envelope) in SampleFrames())
        {
            var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
            var sounds = new List<HeartSound>();
            int worst = int.MinValue;
            int emitted = 0;
            for (int at = 0; at < envelope.Length;)
            {
                const int n = 1; // one frame per call, so "when" is exact to the frame
                decoder.Push(posteriors.AsSpan(at * 4, n * 4), envelope.AsSpan(at, n), sounds);
                at += n;
                for (; emitted < sounds.Count; emitted++)
                {
                    worst = Math.Max(worst, at - EndFrame(sounds[emitted]));
                }

                Assert.True(decoder.FinalizedFrames <= at - decoder.LookaheadFrames || decoder.FinalizedFrames == 0, "final only behind the look-ahead");
            }

            output.WriteLine($"worst delay {worst} frames, bound {decoder.MaxDelayFrames} (look-ahead {decoder.LookaheadFrames} + step {decoder.StepFrames})");
            Assert.True(emitted > 5, "sounds must be emitted before the end of stream");
            Assert.InRange(worst, decoder.LookaheadFrames, decoder.MaxDelayFrames);
        }
    }

    [Fact]
    public void Push_EmittedSounds_AreInTimeOrderAndDoNotOverlap()
    {
        foreach ((float[] posteriors, float[] envelope) in SampleFrames())
        {
            var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
            var sounds = new List<HeartSound>();
            decoder.Push(posteriors, envelope, sounds);
            decoder.Flush(sounds);
            for (int i = 1; i < sounds.Count; i++)
            {
                Assert.True(sounds[i].StartSeconds >= sounds[i - 1].EndSeconds - 1e-12, $"sound {i} overlaps or precedes sound {i - 1}");
            }
        }
    }

    [Fact]
    public void Push_FrameByFrameAndWhole_GiveIdenticalSounds()
    {
        (float[] posteriors, float[] envelope) = SampleFrames().First();
        var whole = new List<HeartSound>();
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        decoder.Push(posteriors, envelope, whole);
        decoder.Flush(whole);

        var single = new List<HeartSound>();
        decoder.Reset();
        for (int t = 0; t < envelope.Length; t++)
        {
            decoder.Push(posteriors.AsSpan(t * 4, 4), envelope.AsSpan(t, 1), single);
        }

        decoder.Flush(single);
        Assert.NotEmpty(whole);
        Assert.Equal(whole, single);
    }

    [Fact]
    public void Push_StreamShorterThanLookahead_EmitsOnlyAtFlushLikeOffline()
    {
        (float[] posteriors, float[] envelope) = SampleFrames().First();
        int frames = 80; // 1.6 s: below the 2 s look-ahead, and inside one window
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        var sounds = new List<HeartSound>();
        decoder.Push(posteriors.AsSpan(0, frames * 4), envelope.AsSpan(0, frames), sounds);
        Assert.Empty(sounds);
        decoder.Flush(sounds);

        // The window held the whole stream, so the flush decode is exactly the offline decode.
        var segmenter = new SpringerSegmenter(frames);
        var offline = new List<HeartSound>();
        segmenter.DecodePosteriors(posteriors.AsSpan(0, frames * 4).ToArray(), envelope.AsSpan(0, frames), StreamingHarness.Parameters, new HeartState[frames], offline);
        Assert.NotEmpty(offline);
        Assert.Equal(offline, sounds);
    }

    [Fact]
    public void DecodePosteriors_WithTheRateItChose_GivesTheSameStates()
    {
        // The fixed-rate overload the live decoder uses between heart-rate choices must be the same final pass.
        (float[] posteriors, float[] envelope) = SampleFrames().First();
        int frames = envelope.Length;
        var segmenter = new SpringerSegmenter(frames);
        var chosenStates = new HeartState[frames];
        var chosenSounds = new List<HeartSound>();
        HeartRateEstimate hr = segmenter.DecodePosteriors(posteriors.ToArray(), envelope, StreamingHarness.Parameters, chosenStates, chosenSounds);
        var fixedStates = new HeartState[frames];
        var fixedSounds = new List<HeartSound>();
        segmenter.DecodePosteriors(posteriors.ToArray(), hr, StreamingHarness.Parameters, fixedStates, fixedSounds);
        Assert.Equal(chosenStates, fixedStates);
        Assert.Equal(chosenSounds, fixedSounds);
        Assert.NotEmpty(fixedSounds);
    }

    [Fact]
    public void Push_SteadyState_AllocatesNothing()
    {
        (float[] posteriors, float[] envelope) = SampleFrames().First();
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        var sounds = new List<HeartSound>(4096);
        int half = envelope.Length / 2;
        decoder.Push(posteriors.AsSpan(0, half * 4), envelope.AsSpan(0, half), sounds);
        const int Rounds = 3;
        int roundFrames = (envelope.Length - half) / Rounds / 7 * 7;
        long fewestDecodes = long.MaxValue, fewestEstimates = long.MaxValue;
        long allocated = SteadyState.LeastAllocated(Rounds, round =>
        {
            long decodes = decoder.Decodes, estimates = decoder.HeartRateEstimates;
            int start = half + round * roundFrames;
            for (int t = start; t + 7 <= start + roundFrames; t += 7)
            {
                decoder.Push(posteriors.AsSpan(t * 4, 28), envelope.AsSpan(t, 7), sounds);
            }

            fewestDecodes = Math.Min(fewestDecodes, decoder.Decodes - decodes);
            fewestEstimates = Math.Min(fewestEstimates, decoder.HeartRateEstimates - estimates);
        });

        Assert.True(fewestDecodes > 0 && fewestEstimates > 0, $"every measured round must include decodes and a heart-rate choice ({fewestDecodes}, {fewestEstimates})");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Push_MismatchedLengthsOrNegativePosteriors_Throws()
    {
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        Assert.Throws<ArgumentException>(() => decoder.Push(new float[8], new float[3], []));
        Assert.Throws<ArgumentException>(() => decoder.Push([0.5f, -0.1f, 0.3f, 0.3f], [0f], []));
        Assert.Throws<ArgumentException>(() => decoder.Push([0.25f, 0.25f, 0.25f, 0.25f], [float.NaN], []));
    }

    [Theory]
    [InlineData(8, 0.5, 2.5, 2)]   // look-ahead above 2 s
    [InlineData(8, 0, 2, 2)]       // no step
    [InlineData(3, 0.5, 2, 2)]     // window too short for look-ahead + step + 1 s
    [InlineData(8, 0.5, 2, 0)]     // no heart-rate interval
    public void Constructor_InconsistentOptions_Throws(double history, double step, double lookahead, double heartRate)
    {
        var options = new StreamingDecoderOptions { HistorySeconds = history, StepSeconds = step, LookaheadSeconds = lookahead, HeartRateIntervalSeconds = heartRate };
        Assert.Throws<ArgumentException>(() => new StreamingHsmmDecoder(StreamingHarness.Parameters, options));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(11)]
    public void Constructor_BadFillingGrowth_Throws(double growth)
    {
        var options = new StreamingDecoderOptions { HeartRateFillingGrowth = growth };
        ArgumentException e = Assert.Throws<ArgumentException>(() => new StreamingHsmmDecoder(StreamingHarness.Parameters, options));
        Assert.Contains(nameof(StreamingDecoderOptions.HeartRateFillingGrowth), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_FillingGrowth_ChoosesTheRateLessOftenWhileTheRateWindowFills()
    {
        // Growth 0 (the default) chooses at every decode while the 30 s rate window fills; 0.5 waits until the frames
        // seen grew by half since the last choice.
        (float[] posteriors, float[] envelope) = SampleFrames().OrderByDescending(f => f.Envelope.Length).First();
        int frames = Math.Min(envelope.Length, 25 * AnalysisRate.FrameRate);
        var everyStep = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        var grown = new StreamingHsmmDecoder(StreamingHarness.Parameters, StreamingDecoderOptions.Default with { HeartRateFillingGrowth = 0.5 });
        var sounds = new List<HeartSound>();
        everyStep.Push(posteriors.AsSpan(0, frames * 4), envelope.AsSpan(0, frames), sounds);
        int everyStepSounds = sounds.Count;
        sounds.Clear();
        grown.Push(posteriors.AsSpan(0, frames * 4), envelope.AsSpan(0, frames), sounds);

        Assert.True(everyStep.Decodes >= 20, $"only {everyStep.Decodes} decodes");
        Assert.Equal(everyStep.Decodes, everyStep.HeartRateEstimates);
        Assert.Equal(everyStep.Decodes, grown.Decodes);
        Assert.InRange(grown.HeartRateEstimates, 2, everyStep.HeartRateEstimates / 2);
        Assert.True(everyStepSounds > 10 && sounds.Count > 10, $"{everyStepSounds} and {sounds.Count} sounds");
    }

    [Fact]
    public void Flush_NothingPushed_EmitsNothingAndKeepsFallbackRate()
    {
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        var sounds = new List<HeartSound>();
        decoder.Flush(sounds);
        Assert.Empty(sounds);
        Assert.Equal(0, decoder.CurrentHeartRate.Confidence);
        Assert.Throws<InvalidOperationException>(() => decoder.Push(new float[4], new float[1], sounds));
    }

    /// <summary>
    /// Measures and prints steady-state CPU cost (one thread): a 10-minute stream (a sample's frames looped), so the
    /// 30-s heart-rate window is full as on a long-running device; asserts only that work was done, never a time.
    /// </summary>
    [Fact]
    public void Push_CostPerFrame_IsMeasured()
    {
        (float[] posteriors, float[] envelope) = SampleFrames().OrderByDescending(f => f.Envelope.Length).First();
        var decoder = new StreamingHsmmDecoder(StreamingHarness.Parameters);
        var sounds = new List<HeartSound>(1 << 16);
        const int Chunk = 5; // 0.1 s of frames per call, as the session delivers them
        const int Frames = 10 * 60 * AnalysisRate.FrameRate;
        int warm = 40 * AnalysisRate.FrameRate; // past the start-up decodes and the JIT
        double start = 0;
        for (int t = 0, at = 0; t < Frames; t += Chunk, at = (at + Chunk) % (envelope.Length - Chunk))
        {
            if (t == warm)
            {
                start = ThreadCpuTime.Seconds();
            }

            decoder.Push(posteriors.AsSpan(at * 4, Chunk * 4), envelope.AsSpan(at, Chunk), sounds);
        }

        double cpu = ThreadCpuTime.Seconds() - start;
        int measured = Frames - warm;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decoder ({decoder.Options}): {measured} frames in {cpu:0.000} CPU s ({ThreadCpuTime.Source}) = {measured / cpu:0} frames/CPU-s = {measured / cpu / AnalysisRate.FrameRate:0} real-time devices per core; {decoder.Decodes} decodes, {decoder.HeartRateEstimates} heart-rate choices"));
        Assert.True(decoder.Decodes > 500 && sounds.Count > 500);
    }

    private static int EndFrame(HeartSound sound) =>
        (int)Math.Round((sound.EndSeconds - StreamingHarness.Parameters.SoundOffsetSeconds) * AnalysisRate.FrameRate);

    private static IEnumerable<(float[] Posteriors, float[] Envelope)> SampleFrames()
    {
        LogisticEmissionModel model = StreamingHarness.Parameters.CreateModel();
        FeatureSettings settings = FeatureSettings.Default;
        foreach (string file in StreamingHarness.SampleRecordings())
        {
            WavAudio audio = WavReader.Read(file);
            float[] features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, settings);
            int frames = features.Length / settings.Channels;
            var posteriors = new float[frames * 4];
            model.Predict(features, settings.Channels, posteriors);
            var envelope = new float[frames];
            for (int f = 0; f < frames; f++)
            {
                envelope[f] = features[(f * settings.Channels) + (int)FeatureChannel.Homomorphic];
            }

            yield return (posteriors, envelope);
        }
    }
}
