using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Analysis;

/// <summary>The shipped samples, the shipped baseline parameters, and a small CirCor scorer for the analysis tests.</summary>
internal static class AnalysisSamples
{
    private static readonly Lazy<SegmenterParameters> s_baseline = new(() => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json")));

    /// <summary>Sample paths relative to samples/.</summary>
    public static readonly string[] All = ["circor/13918_AV.wav", "circor/46532_AV.wav", "physionet2016/a0002.wav", "physionet2016/a0035.wav"];

    public static readonly string[] CirCor = ["circor/13918_AV.wav", "circor/46532_AV.wav"];

    public static SegmenterParameters Baseline => s_baseline.Value;

    public static RecordingAnalyzer NewAnalyzer() => new(Baseline);

    public static WavAudio Read(string relative) => WavReader.Read(Path.Combine(RepoPaths.Samples, relative));

    /// <summary>A sample at 2 kHz (resampled with the Capture resampler when recorded at another rate).</summary>
    public static float[] ReadAt2k(string relative)
    {
        WavAudio a = Read(relative);
        return a.SampleRate == AnalysisRate.SampleRate ? a.Samples : StreamingResampler.Resample(a.Samples, a.SampleRate, AnalysisRate.SampleRate);
    }

    /// <summary>
    /// Reference S1/S2 of a CirCor .tsv (state 1 = S1, 3 = S2) and the annotated span (first to last labelled
    /// second; state 0 marks unannotated edges).
    /// </summary>
    public static (List<HeartSound> Sounds, double First, double Last) ReadTsv(string path)
    {
        var sounds = new List<HeartSound>();
        double first = double.MaxValue, last = double.MinValue;
        foreach (string line in File.ReadLines(path))
        {
            string[] f = line.Split('\t');
            if (f.Length < 3)
            {
                continue;
            }

            double a = double.Parse(f[0], CultureInfo.InvariantCulture);
            double b = double.Parse(f[1], CultureInfo.InvariantCulture);
            int state = int.Parse(f[2], CultureInfo.InvariantCulture);
            if (state == 0)
            {
                continue;
            }

            first = Math.Min(first, a);
            last = Math.Max(last, b);
            if (state is 1 or 3)
            {
                sounds.Add(new HeartSound(state == 1 ? SoundType.S1 : SoundType.S2, a, b));
            }
        }

        return (sounds, first, last);
    }

    /// <summary>
    /// The project's scoring rule (see Training's SegmentationScorer), restated: centres within the tolerance,
    /// one-to-one, types never cross, only centres inside the annotated span count. Returns (hits, references, detections).
    /// </summary>
    public static (int Hits, int References, int Detections) Score(IReadOnlyList<HeartSound> reference, IReadOnlyList<HeartSound> detected, double tolerance, double first, double last)
    {
        int hits = 0, refs = 0, dets = 0;
        foreach (SoundType type in new[] { SoundType.S1, SoundType.S2 })
        {
            double[] r = [.. reference.Where(s => s.Type == type && s.CentreSeconds >= first && s.CentreSeconds <= last).Select(s => s.CentreSeconds).Order()];
            double[] d = [.. detected.Where(s => s.Type == type && s.CentreSeconds >= first && s.CentreSeconds <= last).Select(s => s.CentreSeconds).Order()];
            refs += r.Length;
            dets += d.Length;
            int next = 0;
            foreach (double c in r)
            {
                while (next < d.Length && d[next] < c - tolerance - 1e-9)
                {
                    next++;
                }

                if (next < d.Length && d[next] <= c + tolerance + 1e-9)
                {
                    hits++;
                    next++;
                }
            }
        }

        return (hits, refs, dets);
    }

    /// <summary>Fraction of <paramref name="original"/>'s sounds with a same-type sound in <paramref name="other"/> whose centre is within the tolerance.</summary>
    public static double MatchedFraction(IReadOnlyList<HeartSound> original, IReadOnlyList<HeartSound> other, double tolerance)
    {
        if (original.Count == 0)
        {
            return 0;
        }

        int matched = original.Count(o => other.Any(s => s.Type == o.Type && Math.Abs(s.CentreSeconds - o.CentreSeconds) <= tolerance));
        return (double)matched / original.Count;
    }
}
