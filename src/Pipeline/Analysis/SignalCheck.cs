namespace HeartStream.Pipeline.Analysis;

/// <summary>
/// Level checks on a recording before it is segmented: silent, clipped or too short recordings are common in
/// practice (a stethoscope not on the chest, a gain set too high, a button pressed twice) and must give a clear
/// verdict rather than invented heart sounds.
/// </summary>
public readonly record struct SignalCheck(double PeakDbfs, double RmsDbfs, double ClippedFraction)
{
    /// <summary>Below this peak level a recording is treated as silent (no usable signal).</summary>
    public const double SilentPeakDbfs = -80;

    /// <summary>A sample at or above this magnitude (of full scale 1.0) counts as clipped.</summary>
    public const float ClipLevel = 0.999f;

    /// <summary>More than this fraction of clipped samples earns a warning.</summary>
    public const double ClippedWarningFraction = 0.001;

    public bool IsSilent => PeakDbfs < SilentPeakDbfs;

    public bool IsClipped => ClippedFraction > ClippedWarningFraction;

    /// <summary>Measures peak, RMS and clipping on the samples as recorded (before any filtering).</summary>
    public static SignalCheck Measure(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return new SignalCheck(double.NegativeInfinity, double.NegativeInfinity, 0);
        }

        float peak = 0;
        double squares = 0;
        long clipped = 0;
        foreach (float x in samples)
        {
            float a = Math.Abs(x);
            peak = Math.Max(peak, a);
            squares += (double)x * x;
            if (a >= ClipLevel)
            {
                clipped++;
            }
        }

        return new SignalCheck(ToDb(peak), ToDb(Math.Sqrt(squares / samples.Length)), (double)clipped / samples.Length);
    }

    private static double ToDb(double amplitude) => amplitude > 0 ? 20 * Math.Log10(amplitude) : double.NegativeInfinity;
}
