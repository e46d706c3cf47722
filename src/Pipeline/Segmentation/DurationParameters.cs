namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Springer et al. (2016) state-duration model, extended so it stays consistent up to 240 bpm. S1 and S2 have fixed
/// Gaussian durations; systole and diastole are placed from the heart rate and the systolic interval (S1 onset to S2
/// onset). Springer's fixed S1+S2 (0.216 s) no longer fit inside a 0.25 s cycle at 240 bpm, so when the sounds would
/// take more than <see cref="MaxSoundFractionOfCycle"/> of the cycle their means and spreads shrink in proportion,
/// and the systolic interval is clipped so systole and diastole keep at least their minimum means.
/// </summary>
public sealed record DurationParameters
{
    /// <summary>Longest duration any state may take, in seconds; bounds decoder memory and time.</summary>
    public const double MaxStateSeconds = 3.0;

    public double S1MeanSeconds { get; init; } = 0.122;

    public double S1SdSeconds { get; init; } = 0.022;

    public double S2MeanSeconds { get; init; } = 0.094;

    public double S2SdSeconds { get; init; } = 0.022;

    /// <summary>Springer: 25 ms.</summary>
    public double SystoleSdSeconds { get; init; } = 0.025;

    /// <summary>Springer: diastole sd = 0.07 x mean + 6 ms.</summary>
    public double DiastoleSdFraction { get; init; } = 0.07;

    public double DiastoleSdSeconds { get; init; } = 0.006;

    /// <summary>Shortest mean systole allowed when clipping the systolic interval.</summary>
    public double MinSystoleSeconds { get; init; } = 0.04;

    /// <summary>Shortest mean diastole allowed (about what 240 bpm leaves).</summary>
    public double MinDiastoleSeconds { get; init; } = 0.06;

    /// <summary>S1 + S2 mean durations may take at most this fraction of the cycle.</summary>
    public double MaxSoundFractionOfCycle { get; init; } = 0.6;

    /// <summary>Support half-width in standard deviations (Springer: 3).</summary>
    public double BoundSds { get; init; } = 3.0;

    /// <summary>Throws with a message naming the first bad field.</summary>
    public void Validate()
    {
        Positive(S1MeanSeconds, nameof(S1MeanSeconds));
        Positive(S1SdSeconds, nameof(S1SdSeconds));
        Positive(S2MeanSeconds, nameof(S2MeanSeconds));
        Positive(S2SdSeconds, nameof(S2SdSeconds));
        Positive(SystoleSdSeconds, nameof(SystoleSdSeconds));
        Positive(DiastoleSdSeconds, nameof(DiastoleSdSeconds));
        Positive(MinSystoleSeconds, nameof(MinSystoleSeconds));
        Positive(MinDiastoleSeconds, nameof(MinDiastoleSeconds));
        Positive(BoundSds, nameof(BoundSds));
        if (!(DiastoleSdFraction >= 0) || !double.IsFinite(DiastoleSdFraction))
        {
            throw new ArgumentException($"{nameof(DiastoleSdFraction)} must be a finite number >= 0, got {DiastoleSdFraction}");
        }

        if (!(MaxSoundFractionOfCycle > 0 && MaxSoundFractionOfCycle < 1))
        {
            throw new ArgumentException($"{nameof(MaxSoundFractionOfCycle)} must lie in (0, 1), got {MaxSoundFractionOfCycle}");
        }
    }

    /// <summary>
    /// Duration distributions (in frames) of S1, systole, S2, diastole for one heart-rate estimate, written into
    /// <paramref name="durations"/> (length 4, indexed by <see cref="HeartState"/>). Allocation-free.
    /// </summary>
    public void ComputeFrames(HeartRateEstimate heartRate, double frameRate, Span<StateDuration> durations)
    {
        if (durations.Length != 4)
        {
            throw new ArgumentException($"durations must have 4 entries (one per state), got {durations.Length}", nameof(durations));
        }

        if (!(heartRate.Bpm >= 10 && heartRate.Bpm <= 400))
        {
            throw new ArgumentException($"heart rate must be 10..400 bpm, got {heartRate.Bpm}", nameof(heartRate));
        }

        double period = 60.0 / heartRate.Bpm;
        double scale = Math.Min(1.0, MaxSoundFractionOfCycle * period / (S1MeanSeconds + S2MeanSeconds));
        double s1Mean = scale * S1MeanSeconds;
        double s2Mean = scale * S2MeanSeconds;
        double s1Sd = scale * S1SdSeconds;
        double s2Sd = scale * S2SdSeconds;

        double siLo = s1Mean + MinSystoleSeconds;
        double siHi = period - s2Mean - MinDiastoleSeconds;
        double si = double.IsFinite(heartRate.SystoleSeconds) ? heartRate.SystoleSeconds : 0.35;
        si = siLo <= siHi ? Math.Clamp(si, siLo, siHi) : s1Mean + (0.4 * (period - s1Mean - s2Mean));

        double sysMean = si - s1Mean;
        double diaMean = period - si - s2Mean;
        double diaSd = (DiastoleSdFraction * diaMean) + DiastoleSdSeconds;

        durations[(int)HeartState.S1] = Frames(s1Mean, s1Sd, s1Sd, frameRate);
        durations[(int)HeartState.Systole] = Frames(sysMean, SystoleSdSeconds, SystoleSdSeconds + s1Sd, frameRate);
        durations[(int)HeartState.S2] = Frames(s2Mean, s2Sd, s2Sd, frameRate);
        durations[(int)HeartState.Diastole] = Frames(diaMean, diaSd, diaSd, frameRate);
    }

    private StateDuration Frames(double meanSeconds, double sdSeconds, double boundSdSeconds, double frameRate)
    {
        int cap = (int)Math.Ceiling(MaxStateSeconds * frameRate);
        double mean = meanSeconds * frameRate;
        double sd = Math.Max(0.5, sdSeconds * frameRate);
        double half = BoundSds * Math.Max(0.5, boundSdSeconds * frameRate);
        int min = Math.Clamp((int)Math.Floor(mean - half), 1, cap);
        int max = Math.Clamp((int)Math.Ceiling(mean + half), min, cap);
        return new StateDuration(mean, sd, min, max);
    }

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentException($"{name} must be a positive finite number, got {value}");
        }
    }
}
