namespace HeartStream.Pipeline.Segmentation;

/// <summary>The two fundamental heart sounds: S1 ("lub", valve closure at the start of systole) and S2 ("dub").</summary>
public enum SoundType : byte
{
    S1 = 1,
    S2 = 2,
}
