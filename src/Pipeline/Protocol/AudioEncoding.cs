namespace HeartStream.Pipeline.Protocol;

/// <summary>Sample encoding of a gateway audio frame (wire byte values; never renumber).</summary>
public enum AudioEncoding : byte
{
    /// <summary>Signed 16-bit little-endian PCM, full scale ±32768.</summary>
    Pcm16 = 1,

    /// <summary>IEEE 754 32-bit little-endian float, full scale ±1.</summary>
    Float32 = 2,
}
