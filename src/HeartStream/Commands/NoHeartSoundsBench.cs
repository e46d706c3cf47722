using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench alerts --no-heart-sounds</c>: whether and how fast the high-priority "no heart sounds" alert
/// is raised. No recording holds that condition, so every annotated CirCor recording of the TEST split (patients the
/// segmenter never trained on) is spliced (<see cref="NoHeartSoundsSplice"/>: the recording up to its last annotated
/// diastole, then 20 s of its own diastolic noise) and replayed through the live analysis and a fresh alert engine
/// with the adult profile. Prints how many splices raised the alert after the onset, onset → raise latency, the S1s
/// still reported in the noise, and any no-heart-sounds alert raised before the onset (a false one). With
/// <c>stationary</c> noise the 20 s after the onset are replaced by <see cref="StationaryNoise"/> of the same spectrum and
/// RMS (synthetic: no rhythm of joined diastoles, no loud sound inside a diastole).
/// </summary>
internal static class NoHeartSoundsBench
{
    private const double SilentSeconds = 20;

    /// <summary>The noise after the onset: the recording's own diastoles joined end to end.</summary>
    public const string DiastoleNoise = "diastoles";

    /// <summary>The noise after the onset: stationary Gaussian noise with the joined diastoles' spectrum and RMS.</summary>
    public const string StationaryNoiseKind = "stationary";

    public static int Run(string dataRoot, int limit, AlertBench bench, TextWriter output, string noise = DiastoleNoise, double trimSeconds = NoHeartSoundsSplice.DefaultTrimSeconds)
    {
        IReadOnlyList<SegmentationBenchmarkCase> cases = SegmentationCases.CirCor(dataRoot, SplitPart.Test);
        if (limit > 0)
        {
            cases = [.. cases.Take(limit)];
        }

        var latencies = new List<double>();
        var s1InNoise = new List<int>();
        int spliced = 0, early = 0, skipped = 0;
        var gate = new Lock();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, c =>
        {
            WavAudio audio = WavReader.Read(c.Recording.WavPath);
            float[] samples;
            double onset;
            try
            {
                (samples, onset) = NoHeartSoundsSplice.Build(audio.Samples, audio.SampleRate, CirCorSegmentation.Read(c.Recording.AnnotationPath!), SilentSeconds, trimSeconds);
                if (noise == StationaryNoiseKind)
                {
                    int at = (int)Math.Round(onset * audio.SampleRate);
                    StationaryNoise.Like(samples.AsSpan(at), samples.Length - at, seed: 7).CopyTo(samples.AsSpan(at));
                }
            }
            catch (ArgumentException)
            {
                lock (gate)
                {
                    skipped++;
                }

                return;
            }

            (_, List<AlertEvent> events, List<HeartSound> sounds) = bench.Replay(c.Recording.Id, samples, audio.SampleRate, "adult", new AlertOptions());
            List<AlertEvent> raised = [.. events.Where(a => a.Type == AlertType.NoHeartSounds && a.State == AlertState.Raised)];
            AlertEvent? hit = raised.FirstOrDefault(a => a.RaisedSeconds >= onset);
            int s1 = sounds.Count(s => s.Type == SoundType.S1 && s.StartSeconds >= onset + 1);
            lock (gate)
            {
                spliced++;
                early += raised.Count(a => a.RaisedSeconds < onset);
                s1InNoise.Add(s1);
                if (hit is not null)
                {
                    latencies.Add(hit.RaisedSeconds - onset);
                }
            }
        });

        latencies.Sort();
        s1InNoise.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"no-heart-sounds splices (CirCor test split, {SilentSeconds:0} s of {(noise == StationaryNoiseKind ? "stationary noise with the spectrum and RMS of the recording's own diastoles" : "the recording's own diastolic noise")} after its last annotated diastole, {trimSeconds * 1000:0} ms trimmed off each diastole): {spliced} spliced, {skipped} without a usable diastole"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raised after the onset: {latencies.Count}/{spliced} ({(spliced > 0 ? 100.0 * latencies.Count / spliced : 0):0.0} %)"));
        if (latencies.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"onset -> raised: median {Quantile(latencies, 0.5):0.00} s, p90 {Quantile(latencies, 0.9):0.00} s, max {latencies[^1]:0.00} s"));
        }

        if (s1InNoise.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"S1 reported in the noise (from onset + 1 s): median {Quantile(s1InNoise.ConvertAll(v => (double)v), 0.5):0} per splice, max {s1InNoise[^1]}; splices with none: {s1InNoise.Count(v => v == 0)}"));
        }

        output.WriteLine($"no-heart-sounds raised before the onset (false, on the real part): {early}");
        return 0;
    }

    private static double Quantile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];
}
