namespace HeartStream.Capture.Audio;

/// <summary>
/// Sample encoding of a WAV file's data chunk, as found in its fmt chunk (plain or
/// WAVE_FORMAT_EXTENSIBLE). Compressed encodings (ADPCM, A-law, mu-law, MP3) are rejected on read.
/// </summary>
public enum WavEncoding
{
    /// <summary>8-bit unsigned integer PCM (silence = 128).</summary>
    Pcm8,

    /// <summary>16-bit signed little-endian PCM.</summary>
    Pcm16,

    /// <summary>24-bit signed little-endian PCM, packed in 3 bytes.</summary>
    Pcm24,

    /// <summary>32-bit signed little-endian PCM.</summary>
    Pcm32,

    /// <summary>32-bit IEEE 754 float, nominal range [-1, 1].</summary>
    Float32,

    /// <summary>64-bit IEEE 754 float, nominal range [-1, 1].</summary>
    Float64,
}
