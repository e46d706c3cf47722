using System.Globalization;

namespace HeartStream.TestSupport;

/// <summary>
/// Builds the test input for "no heart sounds in an otherwise good signal" from a real annotated recording, because
/// no recording in the data holds that condition: the recording up to the end of its last annotated diastole (where
/// the next S1 would have begun: the condition onset), followed by that recording's own diastolic noise (the middle of
/// every annotated diastole, trimmed 30 ms at each end so no S1/S2 tail is carried along, joined with 5 ms
/// cross-fades and repeated). The onset is a SPLICE, not a physiological event; docs/ALERTS.md says so.
/// </summary>
public static class NoHeartSoundsSplice
{
    private const double TrimSeconds = 0.03;
    private const double FadeSeconds = 0.005;

    /// <summary>
    /// The spliced samples and the onset (seconds) where the heart sounds stop. <paramref name="annotationTsv"/> is a
    /// CirCor segmentation (start, end, state; 4 = diastole).
    /// </summary>
    public static (float[] Samples, double OnsetSeconds) Build(float[] samples, int sampleRate, string annotationTsv, double silentSeconds)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        List<(double Start, double End)> diastoles = [.. File.ReadLines(annotationTsv)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length >= 3 && f[2].Trim() == "4")
            .Select(f => (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture)))
            .Where(d => d.Item2 * sampleRate <= samples.Length)];
        var pieces = diastoles
            .Select(d => (From: (int)((d.Start + TrimSeconds) * sampleRate), To: (int)((d.End - TrimSeconds) * sampleRate)))
            .Where(p => p.To - p.From > 4 * FadeSeconds * sampleRate)
            .ToList();
        if (pieces.Count == 0)
        {
            throw new ArgumentException($"{annotationTsv} has no diastole long enough to take noise from.", nameof(annotationTsv));
        }

        int onset = (int)Math.Round(diastoles.Max(d => d.End) * sampleRate);
        int fade = (int)(FadeSeconds * sampleRate);
        var output = new List<float>(onset + (int)(silentSeconds * sampleRate) + sampleRate);
        output.AddRange(samples.AsSpan(0, onset).ToArray());
        int target = onset + (int)(silentSeconds * sampleRate);
        for (int k = 0; output.Count < target; k++)
        {
            (int from, int to) = pieces[k % pieces.Count];
            // Cross-fade the first samples of the piece into the tail already written.
            int start = output.Count - fade;
            for (int i = 0; i < fade; i++)
            {
                float w = (float)(i + 1) / (fade + 1);
                output[start + i] = (output[start + i] * (1 - w)) + (samples[from + i] * w);
            }

            for (int i = from + fade; i < to; i++)
            {
                output.Add(samples[i]);
            }
        }

        return ([.. output], (double)onset / sampleRate);
    }
}
