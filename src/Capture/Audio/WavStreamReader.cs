namespace HeartStream.Capture.Audio;

/// <summary>
/// Reads a WAV file block by block as mono float samples, for replaying long recordings or reading
/// from a pipe without holding the whole file. Same formats, down-mix and error policy as
/// <see cref="WavReader"/>; the header is parsed (and rejected if bad) on open. <see cref="Read"/>
/// does not allocate.
/// </summary>
public sealed class WavStreamReader : IDisposable
{
    private readonly WavParser _parser;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _trailerChecked;
    private bool _disposed;

    /// <summary>Parses the header of <paramref name="stream"/>; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="WavFormatException">The header is not one this reader can decode faithfully.</exception>
    public WavStreamReader(Stream stream, string sourceName, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _parser = new WavParser(stream, sourceName);
        _parser.ReadHeader();
    }

    /// <summary>Sample (frame) rate in Hz.</summary>
    public int SampleRate => _parser.SampleRate;

    /// <summary>Channel count of the file (samples are averaged to mono).</summary>
    public int Channels => _parser.Channels;

    /// <summary>Sample encoding of the file.</summary>
    public WavEncoding Encoding => _parser.Encoding;

    /// <summary>Frames the data chunk declares, or null for a streaming file that runs to its end.</summary>
    public long? DeclaredFrames => _parser.DeclaredFrames;

    /// <summary>Frames returned so far.</summary>
    public long FramesRead => _parser.FramesRead;

    /// <summary>Opens a WAV file on disk.</summary>
    /// <exception cref="WavFormatException">The header is not one this reader can decode faithfully.</exception>
    public static WavStreamReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return new WavStreamReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the next mono samples; returns how many were written,
    /// fewer only at the end of the audio, and 0 once it is reached.
    /// </summary>
    /// <exception cref="WavFormatException">The data is cut short, or holds a non-finite sample.</exception>
    public int Read(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = _parser.ReadFrames(destination);
        if (_parser.EndOfData && !_trailerChecked && n < destination.Length)
        {
            _trailerChecked = true;
            _parser.ReadTrailer();
        }

        return n;
    }

    /// <summary>Closes the stream unless it was opened with leaveOpen.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
