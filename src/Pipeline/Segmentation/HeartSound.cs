namespace HeartStream.Pipeline.Segmentation;

/// <summary>One detected (or annotated) heart sound, in seconds from the start of the recording or device stream.</summary>
/// <param name="Level">
/// How loud the live front end heard the sound: the peak of the un-normalised homomorphic envelope over the sound's
/// frames (linear in the audio's amplitude; comparable only within one device stream). NaN where not measured
/// (annotations, the offline analyser).
/// </param>
public readonly record struct HeartSound(SoundType Type, double StartSeconds, double EndSeconds, float Level = float.NaN)
{
    public double CentreSeconds => 0.5 * (StartSeconds + EndSeconds);
}
