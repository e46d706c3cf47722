using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Tests.Features;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// The shipped murmur frame model live (<see cref="LiveFrameClassifier"/> on the streaming front end's audio and
/// frames) against the offline path `analyze` and the trainer use (<see cref="SpectralFeatures.ComputeRecording"/>,
/// <see cref="FrameClassifierModel.Posteriors"/>) on real committed recordings.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class LiveFrameClassifierTests(ITestOutputHelper output)
{
    private const string Normal = "circor/46532_AV.wav";   // 20.5 s at 4 kHz, murmur absent
    private const string Murmur = "circor/13918_AV.wav";   // 10.3 s at 4 kHz, murmur present

    private static FrameClassifierModel Model => LiveClassifierTestData.FrameModel("classifier-murmur");

    [Theory]
    [InlineData(Normal, 331)]
    [InlineData(Murmur, 2048)]
    [InlineData("physionet2016/a0035.wav", 97)]
    public void LiveEvidence_NonOverlappingWindows_EqualsOfflineModelOnTheSameWindows(string sample, int chunk)
    {
        FrameClassifierModel model = Model;
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
        int w = model.WindowFrames;
        var live = new LiveFrameClassifier(model, intervalSeconds: w / 50.0, averageSeconds: 3600);

        Stream(live, audio.Samples, audio.SampleRate, chunk);

        float[] features = SpectralFeatures.ComputeRecording(audio.Samples, audio.SampleRate, model.Envelope, model.Spectrum, out int frames);
        var expected = default(MurmurEvidence);
        int windows = 0;
        for (int end = w; end <= frames; end += w, windows++)
        {
            var window = new float[model.Channels * w];
            for (int c = 0; c < model.Channels; c++)
            {
                features.AsSpan((c * frames) + end - w, w).CopyTo(window.AsSpan(c * w, w));
            }

            expected.Add(model.Evidence(model.Posteriors(window, w), w));
        }

        MurmurEvidence actual = live.Span;
        output.WriteLine($"{sample}: {windows} windows, live score {actual.Score:0.0000} vs offline {expected.Score:0.0000}, confidence {actual.MeanConfidence:0.000}");
        Assert.True(windows >= 1);
        Assert.Equal(windows, live.Classifications);
        Assert.Equal(expected.Frames, actual.Frames);
        Assert.Equal(expected.Murmur, actual.Murmur, 2);
        Assert.Equal(expected.Between, actual.Between, 2);
        Assert.Equal(expected.Score, actual.Score, 3);
        Assert.Equal(0, live.SkippedRuns);
    }

    [Fact]
    public void Results_ChunkSizes_GiveTheSameResults()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, Normal));
        List<float[]> a = Results(audio, 2048), b = Results(audio, 37);
        Assert.Equal(3, a.Count); // 20.5 s: runs at 5.12, 10.12, 15.12 s (the one at 20.12 s waits for frames a flush would release)
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i], b[i]);
        }
    }

    [Fact]
    public void Results_UntilEnoughAudio_CannotTellThenDecide()
    {
        FrameClassifierModel model = Model;
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, Normal));
        List<float[]> results = Results(audio, 512);
        int names = FrameClassifierModel.ResultNames.Count;
        Assert.All(results, r => Assert.Equal(names, r.Length));

        // The first run holds 5.12 s, under the rule's minimum: Unknown, no probability (the alert engine's "unknown").
        Assert.True(model.Rule.MinHeardSeconds > 5.12, "the shipped rule needs more than one window");
        Assert.True(float.IsNaN(results[0][0]) && float.IsNaN(results[0][1]));
        Assert.Equal([0f, 1f, 0f], results[0][2..]);

        // Later runs decide: exactly one of Present / Unknown / Absent, and the probability follows the score.
        float[] last = results[^1];
        Assert.InRange(last[0], 0, 1);
        Assert.Equal(1f, last[2] + last[3] + last[4]);
        Assert.Equal(model.Rule.Probability(last[1]), last[0], 5);
        Assert.Equal(model.Rule.Decide(last[1]) switch { MurmurCall.Present => 2, MurmurCall.Unknown => 3, _ => 4 }, Array.IndexOf(last, 1f, 2));
        Assert.Equal(1f, new LiveFrameClassifier(model).Name(last)["Absent"] + new LiveFrameClassifier(model).Name(last)["Present"] + new LiveFrameClassifier(model).Name(last)["Unknown"]);
    }

    [Fact]
    public void LiveScore_MurmurRecording_AboveNormalRecording()
    {
        // The shipped model hears the murmur: same 10 s of each recording, the murmur patient's score is higher.
        FrameClassifierModel model = Model;
        double Score(string sample)
        {
            WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
            var live = new LiveFrameClassifier(model, intervalSeconds: 5.12, averageSeconds: 3600);
            Stream(live, audio.Samples.AsSpan(0, 10 * audio.SampleRate), audio.SampleRate, 1000);
            return live.Span.Score;
        }

        double murmur = Score(Murmur), normal = Score(Normal);
        output.WriteLine($"murmur {murmur:0.000}, normal {normal:0.000}");
        Assert.True(murmur > normal, $"murmur recording {murmur:0.000} vs normal {normal:0.000}");
    }

    [Fact]
    public void OnFrames_AfterAReset_StartsOver()
    {
        FrameClassifierModel model = Model;
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, Normal));
        var live = new LiveFrameClassifier(model, intervalSeconds: 5.12, averageSeconds: 3600);
        var frontEnd = new StreamingFrontEnd(audio.SampleRate, FeatureSettings.Default) { FrameObserver = live };
        Push(frontEnd, audio.Samples.AsSpan(0, 12 * audio.SampleRate), 1024);
        long before = live.Span.Frames;
        Assert.Equal(512, before);

        frontEnd.Reset(); // the analyzer forgot the stream: frames and audio start again at 0
        Push(frontEnd, audio.Samples.AsSpan(0, 8 * audio.SampleRate), 1024);
        Assert.Equal(256, live.Span.Frames);
        Assert.Equal(0, live.SkippedRuns);
    }

    [Fact]
    public void AudioAndFrames_SteadyState_AllocateNothing()
    {
        FrameClassifierModel model = Model;
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, Normal));
        var live = new LiveFrameClassifier(model, intervalSeconds: 0.2);
        var frontEnd = new StreamingFrontEnd(audio.SampleRate, FeatureSettings.Default) { FrameObserver = live };
        var result = new float[live.ResultLength];
        int half = audio.Samples.Length / 2;
        Push(frontEnd, audio.Samples.AsSpan(0, half), 400); // warm: first runs, JIT
        while (live.TryRead(out _, result))
        {
        }

        // The least over rounds, as the other steady-state checks do (AllocationCollection: the runtime itself
        // occasionally charges a few hundred bytes to the test thread in full-suite runs).
        long least = long.MaxValue;
        long runs = 0, read = 0;
        int position = half;
        for (int round = 0; round < 4; round++)
        {
            long runsBefore = live.Classifications;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++, position += 400)
            {
                frontEnd.Process(audio.Samples.AsSpan(position, 400));
                while (live.TryRead(out _, result))
                {
                    read++;
                }
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            runs += live.Classifications - runsBefore;
        }

        Assert.True(runs >= 16, $"{runs} runs"); // every round holds about five runs
        Assert.Equal(runs, read);
        Assert.Equal(0, least);
    }

    [Fact]
    public void Classify_CpuPerWindow_IsMeasured()
    {
        // Printed, not asserted (timing never decides a test): the CPU of one 5.12-s window run, spectrogram included.
        FrameClassifierModel model = Model;
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, Normal));
        var withRuns = new LiveFrameClassifier(model, intervalSeconds: 0.1);
        var withoutRuns = new LiveFrameClassifier(model, intervalSeconds: 600);
        double Cpu(LiveFrameClassifier live)
        {
            var frontEnd = new StreamingFrontEnd(audio.SampleRate, FeatureSettings.Default) { FrameObserver = live };
            Push(frontEnd, audio.Samples, 400); // warm
            frontEnd.Reset();
            double start = ThreadCpuTime.Seconds();
            for (int pass = 0; pass < 3; pass++)
            {
                frontEnd.Reset();
                Push(frontEnd, audio.Samples, 400);
            }

            return ThreadCpuTime.Seconds() - start;
        }

        long runsBefore = withRuns.Classifications;
        double cpuRuns = Cpu(withRuns), cpuBase = Cpu(withoutRuns);
        long runs = withRuns.Classifications - runsBefore;
        double seconds = 3.0 * audio.Samples.Length / audio.SampleRate;
        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{model.Identity}: {runs} windows, {(cpuRuns - cpuBase) / Math.Max(1, runs) * 1000:0.00} ms CPU per window run; front end + spectrogram {cpuBase / seconds * 1e6:0.0} us per device-second ({ThreadCpuTime.Source})"));
        Assert.True(runs > 100);
    }

    private static List<float[]> Results(WavAudio audio, int chunk)
    {
        var live = new LiveFrameClassifier(Model);
        var results = new List<float[]>();
        var frontEnd = new StreamingFrontEnd(audio.SampleRate, FeatureSettings.Default) { FrameObserver = live };
        for (int i = 0; i < audio.Samples.Length; i += chunk)
        {
            frontEnd.Process(audio.Samples.AsSpan(i, Math.Min(chunk, audio.Samples.Length - i)));
            var r = new float[live.ResultLength];
            while (live.TryRead(out _, r))
            {
                results.Add(r);
                r = new float[live.ResultLength];
            }
        }

        return results;
    }

    private static void Stream(LiveFrameClassifier live, ReadOnlySpan<float> samples, int sampleRate, int chunk)
    {
        var frontEnd = new StreamingFrontEnd(sampleRate, FeatureSettings.Default) { FrameObserver = live };
        Push(frontEnd, samples, chunk);
        frontEnd.Flush();
    }

    private static void Push(StreamingFrontEnd frontEnd, ReadOnlySpan<float> samples, int chunk)
    {
        for (int i = 0; i < samples.Length; i += chunk)
        {
            frontEnd.Process(samples.Slice(i, Math.Min(chunk, samples.Length - i)));
        }
    }
}
