namespace HeartStream.Pipeline.Segmentation;

/// <summary>One detected (or annotated) heart sound, in seconds from the start of the recording or device stream.</summary>
public readonly record struct HeartSound(SoundType Type, double StartSeconds, double EndSeconds)
{
    public double CentreSeconds => 0.5 * (StartSeconds + EndSeconds);
}
