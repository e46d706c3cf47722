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
            WavAudio audio = WavReader.Read(file);
            var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
            var sounds = new List<HeartSound>(1 << 14);
            int chunk = audio.SampleRate / 10;
            session.Push(audio.Samples, sounds); // warm-up (JIT)
            double audioSeconds = 0;
            double start = ThreadCpuTime.Seconds();
            for (int rep = 0; rep < 3; rep++)
            {
                session.Reset();
                for (int at = 0; at + chunk <= audio.Samples.Length; at += chunk)
                {
                    session.Push(audio.Samples.AsSpan(at, chunk), sounds);
                }

                audioSeconds += audio.Samples.Length / chunk * 0.1;
            }

            double cpu = ThreadCpuTime.Seconds() - start;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(file),-14} {audio.SampleRate,6} Hz: {audioSeconds:0} audio s in {cpu:0.000} CPU s = {audioSeconds / cpu:0} x real time per core ({ThreadCpuTime.Source})"));
            Assert.True(audioSeconds > 0 && session.Decoder.Decodes > 0);
        }
    }
}
