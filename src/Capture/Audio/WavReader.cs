namespace HeartStream.Capture.Audio;

/// <summary>
/// Reads RIFF/WAVE files into mono float samples. Reads the stream once, front to back (no seeking),
/// so it also works on pipes and network streams. <see cref="WavStreamReader"/> reads the same files
/// block by block.
/// </summary>
/// <remarks>
/// <para>Supported: PCM 8 (unsigned), 16, 24 and 32 bit; IEEE float 32 and 64 bit; WAVE_FORMAT_EXTENSIBLE
/// whose sub-format is PCM or IEEE float (the container size decides the decoding, valid bits are
/// left-justified in it); any channel count (averaged to mono); unknown chunks anywhere (skipped, with
/// their pad byte when odd-sized).</para>
/// <para>Data chunk size policy. A declared size of 0 or 0xFFFFFFFF is the placeholder streaming
/// recorders write before they know the length: the data then runs to the end of the file. The same
/// holds when the RIFF size itself is such a placeholder (0 or 0xFFFFFFFF) and the data chunk claims
/// more bytes than the file has. Only whole frames are kept in those cases: a trailing partial frame
/// is the recorder being cut mid-write. Otherwise a data chunk that declares more bytes than the file
/// holds is a truncated file and is rejected: we never return a silent partial read. A declared size
/// that is not a multiple of the block align keeps its whole frames and ignores the odd bytes.</para>
/// <para>Chunks after a complete data chunk are metadata; a truncated one there (or a missing final pad
/// byte) is tolerated because the audio is already complete.</para>
/// <para>Rejected with <see cref="WavFormatException"/>: empty or truncated header, not RIFF, RIFF but
/// not WAVE, no fmt chunk, no data chunk, a data chunk before the fmt chunk, compressed or unknown
/// formats, 0 channels, a sample rate of 0 or above 1 MHz, unsupported bit depths, a block align that
/// does not equal channels × bytes per sample, and non-finite float samples.</para>
/// </remarks>
public static class WavReader
{
    /// <summary>Highest sample rate accepted; anything above is taken as a corrupt header.</summary>
    public const int MaxSampleRate = 1_000_000;

    private const int FileBufferBytes = 1 << 16;

    /// <summary>Reads a WAV file from disk.</summary>
    /// <exception cref="WavFormatException">The file is not a WAV file this reader can decode faithfully.</exception>
    public static WavAudio Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferBytes, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads a WAV file from a stream, front to back; <paramref name="sourceName"/> is used in error messages.</summary>
    /// <exception cref="WavFormatException">The stream is not a WAV file this reader can decode faithfully.</exception>
    public static WavAudio Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var parser = new WavParser(stream, sourceName);
        parser.ReadHeader();

        // Pre-size from the declared or remaining length, capped so a lying header cannot make us
        // allocate gigabytes up front; grow by doubling past that.
        long expected = parser.DeclaredFrames ?? (stream.CanSeek ? (stream.Length - stream.Position) / parser.BlockAlign : 0);
        float[] samples = new float[Math.Clamp(expected, 1, 1 << 24)];
        int frames = 0;
        while (true)
        {
            if (frames == samples.Length)
            {
                Array.Resize(ref samples, (int)Math.Min(2L * samples.Length, Array.MaxLength));
            }

            int n = parser.ReadFrames(samples.AsSpan(frames));
            if (n == 0)
            {
                break;
            }

            frames += n;
        }

        parser.ReadTrailer();
        Array.Resize(ref samples, frames);
        return new WavAudio(samples, parser.SampleRate, parser.Channels, parser.Encoding);
    }
}
