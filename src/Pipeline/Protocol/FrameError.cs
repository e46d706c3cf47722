namespace HeartStream.Pipeline.Protocol;

/// <summary>Why a gateway audio frame was rejected. <see cref="AudioFrameCodec.Describe"/> gives the message text.</summary>
public enum FrameError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>Fewer bytes than the fixed header (or than the header length it declares).</summary>
    TooShort,

    /// <summary>Does not start with "HSA".</summary>
    BadMagic,

    /// <summary>Starts with "HSA" but the version character is not '1'.</summary>
    UnsupportedVersion,

    /// <summary>Declared header length is below the version-1 header size.</summary>
    BadHeaderLength,

    /// <summary>Encoding byte is neither 1 (pcm16) nor 2 (float32).</summary>
    BadEncoding,

    /// <summary>Channel count is not 1 (the pipeline is mono).</summary>
    BadChannelCount,

    /// <summary>Sample rate outside 1000..48000 Hz.</summary>
    AbsurdSampleRate,

    /// <summary>More than one second of audio, or a payload over 256 KiB.</summary>
    Oversize,

    /// <summary>Sample bytes after the header do not match sample count × sample size.</summary>
    LengthMismatch,

    /// <summary>A float32 sample is NaN or infinite (found when decoding samples).</summary>
    NonFiniteSample,
}
