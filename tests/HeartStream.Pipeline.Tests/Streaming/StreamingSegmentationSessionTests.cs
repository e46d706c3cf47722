using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>
/// The live per-device path against the offline analyser: the same recordings fed in random chunks must give (nearly)
/// the same sounds, whatever the chunking, within the promised latency, without allocating.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class StreamingSegmentationSessionTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.060;
    private const double SampleAgreementFloor = 0.80;  // measured 0.815 (deterministic: chunking does not change it)

    // Agreement floors. The live decoder cannot reach F1 0.98 against the offline sounds within a 2 s look-ahead: the
    // offline analyser chooses one heart rate with hindsight over the whole recording, and on weakly periodic
    // recordings that choice differs from any choice made from the frames so far. Measured on the CirCor test split
    // (74 recordings): 0.89 against offline; 0.976 even when the live decoder is handed the offline heart rate (the
    // look-ahead alone). Against the expert annotations, which is what matters, live scores 0.904 vs offline 0.907.
    // So the tests pin agreement at what is measured (with a margin) and, where annotations exist, that live stays
    // within 0.03 of offline against the truth.

    [Fact]
    public void Push_SampleRecordingsInRandomChunks_AgreesWithOfflineAnalyzer()
    {
        (double agreement, double live, double offline) = PooledAgreement(StreamingHarness.SampleRecordings().ToList());
        Assert.True(agreement >= SampleAgreementFloor, $"pooled F1 against offline {agreement:0.000} < {SampleAgreementFloor}");
        Assert.True(live >= offline - 0.03, $"F1 against annotations: live {live:0.000} more than 0.03 below offline {offline:0.000}");
    }

    /// <remarks>
    /// Floors: measured on the 20 recordings CirCorRecordings(20, rate) picks, 0.934 of the 4000-Hz patients and 0.906
    /// of the 2000-Hz ones (live vs annotations 0.952, offline 0.946: live is not the worse). The lower agreement on the
    /// second set is the recordings', not the rate's: 60 of the 4000-Hz recordings give 0.9056 as they are and 0.9059
    /// when resampled to 2000 Hz with the data set's own sox command (docs/results/2026-12-06-circor-2khz.md).
    /// </remarks>
    [Theory]
    [InlineData(4000, 0.92)]
    [InlineData(2000, 0.89)]
    public void Push_CirCorRecordingsInRandomChunks_AgreesWithOfflineAnalyzer(int sampleRate, double floor)
    {
        IReadOnlyList<string> files = StreamingHarness.CirCorRecordings(20, sampleRate);
        if (files.Count == 0)
        {
            output.WriteLine("skipped: ../shared/data (CirCor) not found; set HEARTSTREAM_DATA to run this test");
            return;
        }

        (double agreement, double live, double offline) = PooledAgreement(files);
        Assert.True(agreement >= floor, $"pooled F1 against offline {agreement:0.000} < {floor}");
        Assert.True(live >= offline - 0.03, $"F1 against annotations: live {live:0.000} more than 0.03 below offline {offline:0.000}");
    }

    /// <summary>
    /// The 2000-Hz input path is as good as the 4000-Hz one: 4000-Hz CirCor recordings resampled to 2000 Hz by sox as
    /// the data set's added patients were (<c>sox -D in -r 2000 -b 16 out rate -v</c>) agree live vs offline, and live
    /// vs the annotations, as the originals do. Measured on 60 recordings: 0.9056 / 0.9059 and 0.9376 / 0.9372.
    /// </summary>
    [Fact]
    public void Push_CirCorResampledTo2000Hz_AgreesAsAtTheRecordedRate()
    {
        IReadOnlyList<string> files = StreamingHarness.CirCorRecordings(20, 4000);
        if (files.Count == 0)
        {
            output.WriteLine("skipped: ../shared/data (CirCor) not found; set HEARTSTREAM_DATA to run this test");
            return;
        }

        DirectoryInfo folder = Directory.CreateTempSubdirectory("heartstream-2khz-");
        try
        {
            var resampled = new List<string>();
            foreach (string file in files)
            {
                string target = Path.Combine(folder.FullName, Path.GetFileName(file));
                using (var sox = System.Diagnostics.Process.Start("sox", ["-D", file, "-r", "2000", "-b", "16", target, "rate", "-v"]))
                {
                    sox.WaitForExit();
                    Assert.Equal(0, sox.ExitCode);
                }

                File.Copy(Path.ChangeExtension(file, ".tsv"), Path.ChangeExtension(target, ".tsv"));
                Assert.Equal(2000, WavReader.Read(target).SampleRate);
                resampled.Add(target);
            }

            (double agreement, double live, double offline) = PooledAgreement(files);
            (double agreement2k, double live2k, double offline2k) = PooledAgreement(resampled);
            Assert.True(Math.Abs(agreement - agreement2k) <= 0.01, $"agreement {agreement:0.0000} at 4000 Hz, {agreement2k:0.0000} at 2000 Hz");
            Assert.True(Math.Abs(live - live2k) <= 0.01, $"live vs annotations {live:0.0000} at 4000 Hz, {live2k:0.0000} at 2000 Hz");
            Assert.True(Math.Abs(offline - offline2k) <= 0.01, $"offline vs annotations {offline:0.0000} at 4000 Hz, {offline2k:0.0000} at 2000 Hz");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Push_TwoRandomChunkings_GiveIdenticalSounds()
    {
        foreach (string file in StreamingHarness.SampleRecordings())
        {
            WavAudio audio = WavReader.Read(file);
            List<HeartSound> a = StreamingHarness.RunSession(audio, seed: 1, maxChunk: 50);
            List<HeartSound> b = StreamingHarness.RunSession(audio, seed: 2, maxChunk: 9000);
            Assert.NotEmpty(a);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Push_SameRecordingAtHalfTheGain_SameSoundsAtHalfTheLevel()
    {
        // The live normaliser hides the gain from the segmenter; HeartSound.Level keeps it (linear in the amplitude).
        WavAudio audio = WavReader.Read(StreamingHarness.SampleRecordings().First(f => f.Contains("circor", StringComparison.Ordinal)));
        float[] half = [.. audio.Samples.Select(v => v * 0.5f)];

        List<HeartSound> full = Run(audio.Samples, audio.SampleRate), quiet = Run(half, audio.SampleRate);

        Assert.True(full.Count > 10, $"{full.Count} sounds");
        Assert.Equal(full.Select(h => (h.Type, h.StartSeconds, h.EndSeconds)), quiet.Select(h => (h.Type, h.StartSeconds, h.EndSeconds)));
        // The level is the peak of the raw homomorphic envelope over the sound's own frames, as the offline features
        // (same extractor, whole recording) give it: the live frame count lines up with the sounds' times.
        FeatureMatrix raw = FeatureMatrix.Compute(StreamingResampler.Resample(audio.Samples, audio.SampleRate, AnalysisRate.SampleRate), FeatureSettings.Default);
        for (int i = 0; i < full.Count; i++)
        {
            Assert.True(float.IsFinite(full[i].Level) && full[i].Level > 0, $"sound {i}: level {full[i].Level}");
            Assert.InRange(quiet[i].Level / full[i].Level, 0.49f, 0.51f);
            (long first, long last) = HeardSounds.Frames(full[i], StreamingHarness.Parameters.SoundOffsetSeconds, AnalysisRate.FrameRate);
            float expected = 0;
            for (long f = first; f < Math.Min(last, raw.FrameCount); f++)
            {
                expected = Math.Max(expected, raw[(int)f, (int)FeatureChannel.Homomorphic]);
            }

            Assert.True(Math.Abs(full[i].Level - expected) <= 1e-4 * expected, $"sound {i} at {full[i].CentreSeconds:0.00} s: level {full[i].Level}, offline envelope peak {expected}");
        }
    }

    private static List<HeartSound> Run(float[] samples, int sampleRate)
    {
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, sampleRate);
        var sounds = new List<HeartSound>();
        for (int at = 0; at < samples.Length; at += 400)
        {
            session.Push(samples.AsSpan(at, Math.Min(400, samples.Length - at)), sounds);
        }

        session.Flush(sounds);
        return sounds;
    }

    [Fact]
    public void Push_SoundEnds_EmittedWithinMaxLatency()
    {
        WavAudio audio = WavReader.Read(StreamingHarness.SampleRecordings().First(f => f.Contains("circor", StringComparison.Ordinal)));
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
        var sounds = new List<HeartSound>();
        var random = new Random(7);
        double offset = StreamingHarness.Parameters.SoundOffsetSeconds;
        int worst = int.MinValue;
        int emitted = 0;
        for (int at = 0; at < audio.Samples.Length;)
        {
            int n = Math.Min(audio.Samples.Length - at, random.Next(1, 400));
            session.Push(audio.Samples.AsSpan(at, n), sounds);
            at += n;
            long audioFrames = (long)at * AnalysisRate.FrameRate / audio.SampleRate; // whole frames of audio pushed
            for (; emitted < sounds.Count; emitted++)
            {
                long end = (long)Math.Round((sounds[emitted].EndSeconds - offset) * AnalysisRate.FrameRate);
                worst = Math.Max(worst, (int)(audioFrames - end));
            }

            Assert.True(session.FinalizedSeconds <= session.InputSeconds, "cannot be final beyond the audio pushed");
        }

        output.WriteLine($"worst emission delay {worst} frames; bound {session.MaxLatencyFrames} frames ({session.MaxLatencySeconds:0.00} s)");
        Assert.True(emitted > 10, "the recording should give sounds before the end of stream");
        Assert.InRange(worst, 0, session.MaxLatencyFrames);
    }

    [Fact]
    public void Push_SteadyState_AllocatesNothing()
    {
        WavAudio audio = WavReader.Read(StreamingHarness.SampleRecordings().First());
        float[] samples = audio.Samples;
        int chunk = audio.SampleRate / 10;

        // A whole first stream on another session compiles every path (rate choices, tiered JIT) before measuring:
        // one-time JIT and type-loading allocations are not the steady state this test is about.
        var warmUp = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
        var warmSounds = new List<HeartSound>(4096);
        for (int at = 0; at + chunk <= samples.Length; at += chunk)
        {
            warmUp.Push(samples.AsSpan(at, chunk), warmSounds);
        }

        // The least of 6 rounds: on a loaded machine a tier-up can land inside one round and allocate on this thread
        // (seen once in a full run); an allocation per push or per decode shows in every round.
        long least = long.MaxValue;
        for (int round = 0; round < 6 && least > 0; round++)
        {
            var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
            var sounds = new List<HeartSound>(4096);
            int warm = Math.Min(samples.Length / 2, audio.SampleRate * 10);
            for (int at = 0; at + chunk <= warm; at += chunk)
            {
                session.Push(samples.AsSpan(at, chunk), sounds);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int at = warm; at + chunk <= samples.Length; at += chunk)
            {
                session.Push(samples.AsSpan(at, chunk), sounds);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(session.Decoder.Decodes > 5, "the measured span must include decodes");
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Push_Silence_EmitsNoSounds()
    {
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, 4000);
        var sounds = new List<HeartSound>();
        var zeros = new float[4000];
        for (int i = 0; i < 20; i++)
        {
            session.Push(zeros, sounds);
        }

        session.Flush(sounds);
        Assert.Empty(sounds);
        Assert.True(session.Decoder.Decodes > 0, "silence must still be decoded (and its sounds dropped), not skipped");
    }

    [Fact]
    public void Flush_VeryShortStream_EmitsWithoutThrowing()
    {
        WavAudio audio = WavReader.Read(StreamingHarness.SampleRecordings().First());
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
        var sounds = new List<HeartSound>();
        session.Push(audio.Samples.AsSpan(0, audio.SampleRate / 5), sounds); // 0.2 s: shorter than any latency
        Assert.Empty(sounds);
        session.Flush(sounds);
        Assert.All(sounds, s => Assert.InRange(s.EndSeconds, 0, 0.3));
    }

    [Fact]
    public void Flush_NothingPushed_EmitsNothing()
    {
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, 2000);
        var sounds = new List<HeartSound>();
        session.Flush(sounds);
        session.Flush(sounds);
        Assert.Empty(sounds);
        Assert.Throws<InvalidOperationException>(() => session.Push(new float[10], sounds));
    }

    [Fact]
    public void Reset_AfterFlush_GivesTheSameSoundsAgain()
    {
        WavAudio audio = WavReader.Read(StreamingHarness.SampleRecordings().First());
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, audio.SampleRate);
        var first = new List<HeartSound>();
        session.Push(audio.Samples, first);
        session.Flush(first);
        session.Reset();
        var second = new List<HeartSound>();
        session.Push(audio.Samples, second);
        session.Flush(second);
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Push_NonFiniteAudio_ThrowsNamingTheProblem()
    {
        var session = new StreamingSegmentationSession(StreamingHarness.Parameters, 2000);
        var ex = Assert.Throws<ArgumentException>(() => session.Push([0f, float.NaN], []));
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
    }

    private (double Agreement, double Live, double Offline) PooledAgreement(IReadOnlyList<string> files)
    {
        var analyzer = new RecordingAnalyzer(StreamingHarness.Parameters);
        int matched = 0, reference = 0, detected = 0;
        (int M, int R, int D) live = default, offline = default;
        for (int i = 0; i < files.Count; i++)
        {
            WavAudio audio = WavReader.Read(files[i]);
            IReadOnlyList<HeartSound> offlineSounds = analyzer.Analyze(audio).Sounds;
            List<HeartSound> liveSounds = StreamingHarness.RunSession(audio, seed: 100 + i);
            (int m, int r, int d) = StreamingHarness.Match(offlineSounds, liveSounds, Tolerance);
            matched += m;
            reference += r;
            detected += d;
            string truth = string.Empty;
            if (StreamingHarness.ReadAnnotations(files[i]) is { } annotated)
            {
                List<HeartSound> truthSounds = StreamingHarness.Within(annotated.Sounds, annotated.Start, annotated.End);
                var l = StreamingHarness.Match(truthSounds, StreamingHarness.Within(liveSounds, annotated.Start, annotated.End), Tolerance);
                var o = StreamingHarness.Match(truthSounds, StreamingHarness.Within(offlineSounds, annotated.Start, annotated.End), Tolerance);
                live = (live.M + l.Matched, live.R + l.Reference, live.D + l.Detected);
                offline = (offline.M + o.Matched, offline.R + o.Reference, offline.D + o.Detected);
                truth = string.Create(CultureInfo.InvariantCulture,
                    $"  vs annotations: live {StreamingHarness.F1(l.Matched, l.Reference, l.Detected):0.000} offline {StreamingHarness.F1(o.Matched, o.Reference, o.Detected):0.000}");
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(files[i]),-14} {audio.DurationSeconds,6:0.0} s  offline {r,4}  live {d,4}  matched {m,4}  F1 {StreamingHarness.F1(m, r, d):0.000}{truth}"));
        }

        double f1 = StreamingHarness.F1(matched, reference, detected);
        double liveF1 = StreamingHarness.F1(live.M, live.R, live.D);
        double offlineF1 = StreamingHarness.F1(offline.M, offline.R, offline.D);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pooled over {files.Count}: offline {reference}, live {detected}, matched {matched}, F1 {f1:0.0000}; vs annotations live {liveF1:0.0000} offline {offlineF1:0.0000}"));
        return (f1, liveF1, offlineF1);
    }
}
