using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Streaming;

public sealed class DebugTmp(ITestOutputHelper output)
{
    [Fact]
    public void Dump()
    {
        string file = StreamingHarness.SampleRecordings().First(f => f.Contains("46532", StringComparison.Ordinal));
        WavAudio audio = WavReader.Read(file);
        var analyzer = new RecordingAnalyzer(StreamingHarness.Parameters);
        RecordingAnalysis a = analyzer.Analyze(audio);
        output.WriteLine($"offline hr {a.HeartRate}");
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
        var live = new List<HeartSound>();
        for (int at = 0; at < audio.Samples.Length; at += 400)
        {
            int before = live.Count;
            session.Push(audio.Samples.AsSpan(at, Math.Min(400, audio.Samples.Length - at)), live);
            if (at % 4000 == 0) output.WriteLine($"t={at / 4000.0:0.0} hr {session.CurrentHeartRate}");
        }
        session.Flush(live);
        var o = a.Sounds;
        int i = 0, j = 0;
        while (i < o.Count || j < live.Count)
        {
            string l = i < o.Count ? $"{o[i].Type} {o[i].StartSeconds:0.000}-{o[i].EndSeconds:0.000}" : "";
            string r = j < live.Count ? $"{live[j].Type} {live[j].StartSeconds:0.000}-{live[j].EndSeconds:0.000}" : "";
            output.WriteLine($"{l,-25} | {r}");
            i++; j++;
        }
    }
}
