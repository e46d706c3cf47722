namespace HeartStream.Capture.Audio;

/// <summary>
/// A WAV file that cannot be decoded faithfully: truncated, not RIFF/WAVE, compressed, or with
/// absurd header values. The message always names the source and what is wrong, so one bad file in a
/// batch can be reported and skipped without guessing.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed; a
/// caller that handles "this file could not be read" with <c>catch (IOException)</c> gets it too.
/// </remarks>
public sealed class WavFormatException : IOException
{
    public WavFormatException()
    {
    }

    public WavFormatException(string message)
        : base(message)
    {
    }

    public WavFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WavFormatException(string sourceName, string problem)
        : base($"WAV '{sourceName}': {problem}")
    {
        SourceName = sourceName;
    }

    /// <summary>The file name or stream description the error is about, when known.</summary>
    public string? SourceName { get; }
}
