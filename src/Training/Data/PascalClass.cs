namespace HeartStream.Training.Data;

/// <summary>The PASCAL 2011 challenge classes (set A: normal, murmur, extrahls, artifact; set B: normal, murmur, extrastole).</summary>
public enum PascalClass
{
    Normal,
    Murmur,

    /// <summary>Extra heart sound (S3/S4 or a split sound).</summary>
    ExtraHeartSound,

    /// <summary>Extra systole (premature beat).</summary>
    Extrastole,

    /// <summary>Not a heart sound at all (noise, speech, music...).</summary>
    Artifact,
}
