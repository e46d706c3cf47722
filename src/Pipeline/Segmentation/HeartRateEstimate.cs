namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Heart rate and systolic interval (S1 onset to S2 onset) of one recording or window, as the HSMM needs them to
/// place its duration distributions. <paramref name="Confidence"/> is the normalised autocorrelation at the chosen
/// period (0..1): near 1 for a clean periodic envelope, low for noise.
/// </summary>
public readonly record struct HeartRateEstimate(double Bpm, double SystoleSeconds, double Confidence)
{
    /// <summary>Length of one cardiac cycle in seconds.</summary>
    public double PeriodSeconds => 60.0 / Bpm;
}
