namespace HeartStream.Pipeline;

/// <summary>
/// The canonical rates every recording is brought to before analysis. Features, models and the HSMM decoder all
/// work at these rates, so they are constants rather than options: a model trained at one rate is meaningless at another.
/// </summary>
public static class AnalysisRate
{
    /// <summary>Audio sample rate (Hz) after resampling.</summary>
    public const int SampleRate = 2000;

    /// <summary>Feature frames per second.</summary>
    public const int FrameRate = 50;

    /// <summary>Audio samples per feature frame.</summary>
    public const int SamplesPerFrame = SampleRate / FrameRate;
}
