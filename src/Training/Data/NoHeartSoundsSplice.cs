namespace HeartStream.Training.Data;

/// <summary>
/// "No heart sounds in an otherwise good signal" built from a real annotated recording, because no recording in the
/// data holds that condition: the recording up to an onset (the end of an annotated diastole, where the next S1 would
/// have begun), then that recording's own diastolic noise (the middle of every annotated diastole, trimmed 30 ms at
/// each end so no S1/S2 tail is carried along, joined with 5 ms cross-fades and repeated), then optionally the
/// recording again from the onset (the heart resumes). The trainer uses it to teach the segmenter that noise without
/// heart sounds is no sound (<c>Diastole</c> frames); the alert tests use it as the condition. The onset is a SPLICE,
/// not a physiological event.
/// </summary>
public static class NoHeartSoundsSplice
{
    /// <summary>Seconds cut off each end of an annotated diastole before it is used as noise (the default).</summary>
    public const double DefaultTrimSeconds = 0.03;
    private const double FadeSeconds = 0.005;

    /// <summary>Ends (seconds) of the annotated diastoles that lie inside <paramref name="durationSeconds"/>: the possible onsets.</summary>
    public static IReadOnlyList<double> DiastoleEnds(IReadOnlyList<CirCorSegment> segments, double durationSeconds)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return [.. segments.Where(s => s.State == CirCorSegment.Diastole && s.EndSeconds <= durationSeconds).Select(s => s.EndSeconds).Order()];
    }

    /// <summary>
    /// The recording up to the end of its last annotated diastole followed by <paramref name="silentSeconds"/> of its
    /// diastolic noise; returns the samples and the onset in seconds. <paramref name="trimSeconds"/> is cut off each end
    /// of every diastole (annotated boundaries are not exact: a short trim leaves edges of S1 and S2 in the noise).
    /// </summary>
    public static (float[] Samples, double OnsetSeconds) Build(ReadOnlySpan<float> samples, int sampleRate, IReadOnlyList<CirCorSegment> segments, double silentSeconds, double trimSeconds = DefaultTrimSeconds)
    {
        IReadOnlyList<double> ends = DiastoleEnds(segments, (double)samples.Length / sampleRate);
        if (ends.Count == 0)
        {
            throw new ArgumentException("the segmentation has no annotated diastole inside the recording.", nameof(segments));
        }

        int onset = (int)Math.Round(ends[^1] * sampleRate);
        return (Build(samples, sampleRate, segments, onset, (int)Math.Round(silentSeconds * sampleRate), resume: false, trimSeconds), (double)onset / sampleRate);
    }

    /// <summary>
    /// samples[0, onset) + exactly <paramref name="silentSamples"/> of diastolic noise (+ samples[onset..] when
    /// <paramref name="resume"/>).
    /// </summary>
    public static float[] Build(ReadOnlySpan<float> samples, int sampleRate, IReadOnlyList<CirCorSegment> segments, int onset, int silentSamples, bool resume, double trimSeconds = DefaultTrimSeconds)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfNegative(trimSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(silentSamples);
        if (onset < 0 || onset > samples.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(onset), $"onset {onset} lies outside the {samples.Length} samples.");
        }

        int fade = (int)(FadeSeconds * sampleRate);
        int length = samples.Length;
        var pieces = segments
            .Where(s => s.State == CirCorSegment.Diastole && s.EndSeconds * sampleRate <= length)
            .Select(s => (From: (int)((s.StartSeconds + trimSeconds) * sampleRate), To: (int)((s.EndSeconds - trimSeconds) * sampleRate)))
            .Where(p => p.To - p.From > 4 * fade)
            .ToList();
        if (pieces.Count == 0)
        {
            throw new ArgumentException("the segmentation has no diastole long enough to take noise from.", nameof(segments));
        }

        int tail = resume ? samples.Length - onset : 0;
        float[] output = new float[onset + silentSamples + tail];
        samples[..onset].CopyTo(output);
        int written = onset;
        int target = onset + silentSamples;
        for (int k = 0; written < target; k++)
        {
            (int from, int to) = pieces[k % pieces.Count];

            // Cross-fade the first samples of the piece into the tail already written (none at the very start).
            int overlap = Math.Min(fade, written);
            for (int i = 0; i < overlap; i++)
            {
                float w = (float)(i + 1) / (overlap + 1);
                int at = written - overlap + i;
                output[at] = (output[at] * (1 - w)) + (samples[from + i] * w);
            }

            int n = Math.Min(to - (from + overlap), target - written);
            samples.Slice(from + overlap, n).CopyTo(output.AsSpan(written));
            written += n;
        }

        if (resume)
        {
            samples[onset..].CopyTo(output.AsSpan(target));
        }

        return output;
    }
}
