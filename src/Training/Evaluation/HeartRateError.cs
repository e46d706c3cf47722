using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// Heart-rate error over fixed windows, pooled over recordings (mean absolute error in bpm over all windows).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Windows are non-overlapping, <see cref="WindowSeconds"/> long, laid from the start of the annotated span;
/// only windows lying fully inside the span and holding ≥ 2 reference S1 centres are scored (window = [start, end)).</item>
/// <item>Reference rate = 60 / mean interval between consecutive reference S1 centres in the window, i.e.
/// 60·(n−1)/(last − first). The detected rate is computed the same way from the detected S1 centres in the window,
/// or is supplied per window by the caller (a detector's own rate estimate).</item>
/// <item>A window with fewer than two detected S1s has no detected rate; it is scored as an error equal to the
/// reference rate (a missed heart rate is as bad as reporting 0 bpm), and counted in <see cref="MissedWindows"/>.
/// Dropping such windows would reward a detector for going silent when the signal gets hard.</item>
/// </list>
/// </remarks>
public sealed class HeartRateError
{
    public const double DefaultWindowSeconds = 10.0;

    private double _sumAbsoluteError;

    public HeartRateError(double windowSeconds = DefaultWindowSeconds)
    {
        if (!double.IsFinite(windowSeconds) || windowSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSeconds), windowSeconds, "Window length must be a positive number of seconds.");
        }

        WindowSeconds = windowSeconds;
    }

    public double WindowSeconds { get; }

    /// <summary>Windows scored so far, over all recordings.</summary>
    public int Windows { get; private set; }

    /// <summary>Scored windows where the detector gave no rate.</summary>
    public int MissedWindows { get; private set; }

    public int Recordings { get; private set; }

    /// <summary>Mean absolute error in bpm over all scored windows; null when no window could be scored.</summary>
    public double? MeanAbsoluteErrorBpm => Windows == 0 ? null : _sumAbsoluteError / Windows;

    /// <summary>Scores one recording with the detected rate computed from its detected S1 sounds; returns its windows.</summary>
    public IReadOnlyList<HeartRateWindow> Add(IReadOnlyList<HeartSound> reference, IReadOnlyList<HeartSound> detected, AnnotatedSpan span)
    {
        ArgumentNullException.ThrowIfNull(detected);
        double[] detectedS1 = S1Centres(detected, nameof(detected));
        return Add(reference, (start, end) => RateInWindow(detectedS1, start, end), span);
    }

    /// <summary>
    /// Scores one recording with a rate supplied per window: <paramref name="detectedBpm"/>(windowStart, windowEnd)
    /// returns the detector's rate for that window, or null when it has none.
    /// </summary>
    public IReadOnlyList<HeartRateWindow> Add(IReadOnlyList<HeartSound> reference, Func<double, double, double?> detectedBpm, AnnotatedSpan span)
    {
        IReadOnlyList<HeartRateWindow> windows = ComputeWindows(reference, detectedBpm, span, WindowSeconds);
        Recordings++;
        foreach (HeartRateWindow window in windows)
        {
            Windows++;
            if (window.DetectedBpm is null)
            {
                MissedWindows++;
            }

            _sumAbsoluteError += window.AbsoluteErrorBpm;
        }

        return windows;
    }

    /// <summary>The scored windows of one recording (see the remarks on this type for the rules).</summary>
    public static IReadOnlyList<HeartRateWindow> ComputeWindows(
        IReadOnlyList<HeartSound> reference,
        Func<double, double, double?> detectedBpm,
        AnnotatedSpan span,
        double windowSeconds = DefaultWindowSeconds)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(detectedBpm);
        if (!double.IsFinite(windowSeconds) || windowSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSeconds), windowSeconds, "Window length must be a positive number of seconds.");
        }

        double[] referenceS1 = S1Centres(reference, nameof(reference));
        var windows = new List<HeartRateWindow>();
        int count = (int)Math.Floor((span.DurationSeconds / windowSeconds) + 1e-9);
        for (int k = 0; k < count; k++)
        {
            double start = span.StartSeconds + (k * windowSeconds);
            double end = start + windowSeconds;
            double? referenceBpm = RateInWindow(referenceS1, start, end);
            if (referenceBpm is null)
            {
                continue;
            }

            double? detected = detectedBpm(start, end);
            if (detected is double d && (!double.IsFinite(d) || d < 0))
            {
                throw new InvalidOperationException($"Detected heart rate {d} bpm for window [{start}, {end}) s is not a finite, non-negative number.");
            }

            windows.Add(new HeartRateWindow(start, end, referenceBpm.Value, detected));
        }

        return windows;
    }

    /// <summary>60 / mean interval of the sorted centres in [start, end); null with fewer than two.</summary>
    public static double? RateInWindow(ReadOnlySpan<double> sortedCentres, double start, double end)
    {
        double first = double.NaN;
        double last = double.NaN;
        int n = 0;
        foreach (double c in sortedCentres)
        {
            if (c >= start && c < end)
            {
                if (n == 0)
                {
                    first = c;
                }

                last = c;
                n++;
            }
        }

        if (n < 2 || last <= first)
        {
            return null;
        }

        return 60.0 * (n - 1) / (last - first);
    }

    private static double[] S1Centres(IReadOnlyList<HeartSound> sounds, string paramName)
    {
        var centres = new List<double>(sounds.Count);
        foreach (HeartSound sound in sounds)
        {
            double c = sound.CentreSeconds;
            if (!double.IsFinite(c))
            {
                throw new ArgumentException($"A {sound.Type} sound has a non-finite time ({sound.StartSeconds}..{sound.EndSeconds} s).", paramName);
            }

            if (sound.Type == SoundType.S1)
            {
                centres.Add(c);
            }
        }

        double[] result = [.. centres];
        Array.Sort(result);
        return result;
    }
}
