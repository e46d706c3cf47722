using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Tests.Features;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>Measures and prints the whole session's CPU cost per audio second on one thread; timing never decides pass/fail.</summary>
public sealed class StreamingSessionCostTests(ITestOutputHelper output)
{
    [Fact]
    public void Push_CostPerAudioSecond_IsMeasured()
    {
        foreach (string file in StreamingHarness.SampleRecordings())
        {
            // A 5-minute stream (the recording looped) measured after 40 s, so the heart-rate window is full and the
            // JIT has settled: the steady state of a long-running device.
            WavAudio audio = WavReader.Read(file);
            var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
            var sounds = new List<HeartSound>(1 << 14);
            int chunk = audio.SampleRate / 10;
            int chunks = 5 * 60 * 10;
            int warm = 40 * 10;
            float[] samples = audio.Samples;
            double start = 0;
            for (int i = 0, at = 0; i < chunks; i++, at = (at + chunk) % (samples.Length - chunk))
            {
                if (i == warm)
                {
                    start = ThreadCpuTime.Seconds();
                }

                session.Push(samples.AsSpan(at, chunk), sounds);
            }

            double cpu = ThreadCpuTime.Seconds() - start;
            double audioSeconds = (chunks - warm) * 0.1;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(file),-14} {audio.SampleRate,6} Hz: {audioSeconds:0} audio s in {cpu:0.000} CPU s = {audioSeconds / cpu:0} x real time per core = {audioSeconds * AnalysisRate.FrameRate / cpu:0} frames/CPU-s ({ThreadCpuTime.Source})"));
            Assert.True(session.Decoder.Decodes > 250 && sounds.Count > 250);
        }
    }
}
