using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>Shared pieces of the streaming tests: the shipped parameters, recordings, chunked runs and a sound matcher.</summary>
internal static class StreamingHarness
{
    private static readonly Lazy<SegmenterParameters> s_parameters =
        new(() => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json")));

    public static SegmenterParameters Parameters => s_parameters.Value;

    /// <summary>The four committed sample recordings.</summary>
    public static IEnumerable<string> SampleRecordings() =>
        Directory.EnumerateFiles(RepoPaths.Samples, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>
    /// Up to <paramref name="count"/> CirCor recordings recorded at <paramref name="sampleRate"/> (their .hea header)
    /// spread evenly over the sorted list; empty without the data set. The 152 first patients are at 4000 Hz as
    /// published, the 301 added on 2026-12-06 at 2000 Hz (../shared/data/README.md).
    /// </summary>
    public static IReadOnlyList<string> CirCorRecordings(int count, int sampleRate)
    {
        string? data = RepoPaths.SharedData;
        string folder = data is null ? string.Empty : Path.Combine(data, "circor", "training_data");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        string[] all = Directory.GetFiles(folder, "*.wav").Where(f => HeaderRate(f) == sampleRate).Order(StringComparer.Ordinal).ToArray();
        var picked = new List<string>();
        for (int i = 0; i < count && i < all.Length; i++)
        {
            picked.Add(all[(int)((long)i * all.Length / Math.Min(count, all.Length))]);
        }

        return picked;
    }

    private static int HeaderRate(string wav)
    {
        string hea = Path.ChangeExtension(wav, ".hea");
        string[] fields = File.Exists(hea) ? File.ReadLines(hea).First().Split(' ') : [];
        return fields.Length > 2 && int.TryParse(fields[2], CultureInfo.InvariantCulture, out int rate) ? rate : 0;
    }

    /// <summary>Feeds <paramref name="audio"/> through a fresh session in random chunks (1..maxChunk samples) and flushes.</summary>
    public static List<HeartSound> RunSession(WavAudio audio, int seed, int maxChunk = 3000, StreamingDecoderOptions? options = null)
    {
        var session = new StreamingSegmentationSession(Parameters, audio.SampleRate, options);
        var sounds = new List<HeartSound>();
        var random = new Random(seed);
        ReadOnlySpan<float> rest = audio.Samples;
        while (!rest.IsEmpty)
        {
            int n = Math.Min(rest.Length, random.Next(1, maxChunk + 1));
            session.Push(rest[..n], sounds);
            rest = rest[n..];
        }

        session.Flush(sounds);
        return sounds;
    }

    /// <summary>Matched, reference and detected counts (both types), with the scorer's rule: centres in time order, greedy, within tolerance.</summary>
    public static (int Matched, int Reference, int Detected) Match(IReadOnlyList<HeartSound> reference, IReadOnlyList<HeartSound> detected, double tolerance)
    {
        int matched = 0;
        foreach (SoundType type in new[] { SoundType.S1, SoundType.S2 })
        {
            double[] r = reference.Where(s => s.Type == type).Select(s => s.CentreSeconds).Order().ToArray();
            double[] d = detected.Where(s => s.Type == type).Select(s => s.CentreSeconds).Order().ToArray();
            int next = 0;
            foreach (double c in r)
            {
                while (next < d.Length && d[next] < c - tolerance - 1e-9)
                {
                    next++;
                }

                if (next < d.Length && d[next] <= c + tolerance + 1e-9)
                {
                    matched++;
                    next++;
                }
            }
        }

        return (matched, reference.Count, detected.Count);
    }

    /// <summary>
    /// CirCor expert segmentation beside a recording (.tsv: start, end, state; 1 = S1, 3 = S2, 0 = not annotated) and
    /// the annotated span; null when there is none.
    /// </summary>
    public static (List<HeartSound> Sounds, double Start, double End)? ReadAnnotations(string wavPath)
    {
        string tsv = Path.ChangeExtension(wavPath, ".tsv");
        if (!File.Exists(tsv))
        {
            return null;
        }

        (List<HeartSound> sounds, double first, double last) = Analysis.AnalysisSamples.ReadTsv(tsv);
        return first <= last ? (sounds, first, last) : null;
    }

    /// <summary>The sounds whose centre lies in [start, end] (the annotated span).</summary>
    public static List<HeartSound> Within(IEnumerable<HeartSound> sounds, double start, double end) =>
        sounds.Where(s => s.CentreSeconds >= start && s.CentreSeconds <= end).ToList();

    public static double F1(int matched, int reference, int detected) =>
        reference + detected == 0 ? 1.0 : 2.0 * matched / (reference + detected);
}
