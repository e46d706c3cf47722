using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Tests.Live;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>The session's frame observer sees exactly the offline features, contiguous, whatever the chunking.</summary>
public sealed class SessionFrameObserverTests
{
    [Theory]
    [InlineData("circor/13918_AV.wav", 400)]
    [InlineData("physionet2016/a0002.wav", 1777)]
    public void FrameObserver_WholeStream_SeesTheOfflineFeaturesInOrder(string sample, int chunk)
    {
        WavAudio audio = WavReader.Read(Path.Combine(TestSupport.RepoPaths.Samples, sample));
        var observer = new Recorder();
        var analyzer = new SegmentationSessionAnalyzer(StreamingHarness.Parameters, audio.SampleRate) { FrameObserver = observer };
        var sounds = new List<HeartSound>();

        for (int at = 0; at < audio.Samples.Length; at += chunk)
        {
            analyzer.Push(audio.Samples.AsSpan(at, Math.Min(chunk, audio.Samples.Length - at)), sounds);
        }

        analyzer.Flush(sounds);

        float[] offline = LiveClassifierTestData.Features(sample);
        Assert.Equal(-1, observer.LastRestart); // contiguous from frame 0
        Assert.Equal(offline.Length, observer.Frames.Count);
        for (int i = 0; i < offline.Length; i++)
        {
            Assert.True(Math.Abs(offline[i] - observer.Frames[i]) <= 1e-4f, $"value {i}: offline {offline[i]}, live {observer.Frames[i]}");
        }
    }

    [Fact]
    public void FrameObserver_AfterReset_IndicesStartAtZero()
    {
        WavAudio audio = WavReader.Read(Path.Combine(TestSupport.RepoPaths.Samples, "physionet2016", "a0035.wav"));
        var observer = new Recorder();
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate) { FrameObserver = observer };
        var sounds = new List<HeartSound>();
        session.Push(audio.Samples.AsSpan(0, audio.SampleRate * 3), sounds);
        int before = observer.Frames.Count;

        session.Reset();
        session.Push(audio.Samples.AsSpan(0, audio.SampleRate * 3), sounds);

        Assert.True(before > 0);
        Assert.Equal(0, observer.LastRestart);
    }

    private sealed class Recorder : INormalizedFrameObserver
    {
        private long _next;

        public List<float> Frames { get; } = [];

        public long LastRestart { get; private set; } = -1;

        public void OnFrames(ReadOnlySpan<float> frames, int channels, long firstFrame)
        {
            Assert.Equal(4, channels);
            if (firstFrame != _next)
            {
                LastRestart = firstFrame;
            }

            Frames.AddRange(frames);
            _next = firstFrame + (frames.Length / channels);
        }
    }
}
