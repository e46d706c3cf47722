using System.Buffers.Binary;
using System.Globalization;

namespace HeartStream.Capture.Audio;

/// <summary>
/// Sequential RIFF/WAVE parser shared by <see cref="WavReader"/> (whole file) and
/// <see cref="WavStreamReader"/> (block by block). Reads front to back without seeking; the policy
/// for odd, truncated and streaming files is documented on <see cref="WavReader"/>.
/// </summary>
internal sealed class WavParser
{
    private const ushort FormatPcm = 0x0001;
    private const ushort FormatIeeeFloat = 0x0003;
    private const ushort FormatExtensible = 0xFFFE;
    private const int MaxFmtChunkBytes = 1 << 16;
    private const int BufferBytes = 1 << 16;

    private readonly Stream _stream;
    private readonly string _source;
    private long _offset;
    private FormatInfo _format;
    private byte[] _buffer = [];
    private uint _declared;
    private bool _allowShort;
    private long _wholeFrameBytesLeft;
    private long _dataConsumed;
    private long _framesRead;
    private bool _dataEnded;
    private bool _atEndOfFile;

    public WavParser(Stream stream, string sourceName)
    {
        _stream = stream;
        _source = sourceName;
    }

    public WavEncoding Encoding => _format.Encoding;

    public int Channels => _format.Channels;

    public int SampleRate => _format.SampleRate;

    public int BlockAlign => _format.BlockAlign;

    /// <summary>Frames the data chunk declares, or null when it runs to the end of the file.</summary>
    public long? DeclaredFrames { get; private set; }

    public long FramesRead => _framesRead;

    public bool EndOfData => _dataEnded;

    // The 12 bytes that follow the format tag in every KSDATAFORMAT_SUBTYPE_* GUID of the
    // WAVE_FORMAT_EXTENSIBLE family: xxxxxxxx-0000-0010-8000-00AA00389B71.
    private static ReadOnlySpan<byte> GuidTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Parses everything up to the first audio byte: RIFF header, fmt, chunks before data, data header.</summary>
    public void ReadHeader()
    {
        Span<byte> header = stackalloc byte[12];
        int got = ReadFully(header);
        if (got == 0)
        {
            throw Fail("the file is empty (0 bytes)");
        }

        if (got < 4 || !header[..4].SequenceEqual("RIFF"u8))
        {
            throw got < 4
                ? Fail($"truncated RIFF header: only {got} of 12 bytes")
                : Fail($"not a RIFF/WAVE file: it starts with '{FourCc(header)}' instead of 'RIFF'");
        }

        if (got < 12)
        {
            throw Fail($"truncated RIFF header: only {got} of 12 bytes");
        }

        if (!header[8..12].SequenceEqual("WAVE"u8))
        {
            throw Fail($"a RIFF file of form '{FourCc(header[8..])}', not 'WAVE'");
        }

        uint riffSize = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        bool riffSizeIsPlaceholder = riffSize is 0 or uint.MaxValue;

        bool haveFormat = false;
        Span<byte> chunkHeader = stackalloc byte[8];
        while (true)
        {
            long chunkOffset = _offset;
            got = ReadFully(chunkHeader);
            if (got == 0)
            {
                throw Fail(haveFormat ? "no data chunk" : "no fmt chunk");
            }

            if (got < 8)
            {
                throw Fail($"truncated chunk header at byte {chunkOffset}: only {got} of 8 bytes");
            }

            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            ReadOnlySpan<byte> id = chunkHeader[..4];
            if (id.SequenceEqual("fmt "u8))
            {
                if (haveFormat)
                {
                    throw Fail($"a second fmt chunk at byte {chunkOffset}");
                }

                _format = ReadFormat(size);
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw Fail($"the data chunk at byte {chunkOffset} comes before any fmt chunk");
                }

                StartData(size, riffSizeIsPlaceholder);
                return;
            }
            else
            {
                Skip(size, tolerateEnd: false);
            }
        }
    }

    /// <summary>
    /// Decodes up to <paramref name="destination"/>.Length frames (mono); returns how many, 0 only at the
    /// end of the audio. Throws <see cref="WavFormatException"/> when a declared data chunk is cut short.
    /// </summary>
    public int ReadFrames(Span<float> destination)
    {
        int blockAlign = _format.BlockAlign;
        int total = 0;
        while (!_dataEnded && total < destination.Length && _wholeFrameBytesLeft > 0)
        {
            int frames = (int)Math.Min(Math.Min(destination.Length - total, _buffer.Length / blockAlign), _wholeFrameBytesLeft / blockAlign);
            int want = frames * blockAlign;
            int got = ReadFully(_buffer.AsSpan(0, want));
            _dataConsumed += got;
            _wholeFrameBytesLeft -= got;
            int gotFrames = got / blockAlign;
            Decode(_buffer.AsSpan(0, gotFrames * blockAlign), destination.Slice(total, gotFrames));
            total += gotFrames;
            if (got < want)
            {
                if (!_allowShort)
                {
                    throw Fail($"truncated data chunk: it declares {_declared} bytes but the file ends after {_dataConsumed}");
                }

                _dataEnded = true;
                _atEndOfFile = true;
            }
        }

        if (!_dataEnded && _wholeFrameBytesLeft == 0)
        {
            FinishData();
        }

        return total;
    }

    /// <summary>After the audio: checks the remaining chunks. Metadata there may be cut short; a second fmt or data chunk may not.</summary>
    public void ReadTrailer()
    {
        Span<byte> chunkHeader = stackalloc byte[8];
        while (!_atEndOfFile)
        {
            long chunkOffset = _offset;
            if (ReadFully(chunkHeader) < 8)
            {
                return; // End of file, or trailing junk after complete audio.
            }

            ReadOnlySpan<byte> id = chunkHeader[..4];
            if (id.SequenceEqual("data"u8) || id.SequenceEqual("fmt "u8))
            {
                throw Fail($"a second {FourCc(id).TrimEnd()} chunk at byte {chunkOffset}");
            }

            _atEndOfFile = !Skip(BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]), tolerateEnd: true);
        }
    }

    private void StartData(uint declared, bool riffSizeIsPlaceholder)
    {
        int blockAlign = _format.BlockAlign;
        bool toEnd = declared is 0 or uint.MaxValue;
        _declared = declared;
        _allowShort = toEnd || riffSizeIsPlaceholder;
        _wholeFrameBytesLeft = toEnd ? long.MaxValue : declared - (declared % blockAlign);
        DeclaredFrames = toEnd ? null : declared / blockAlign;
        _buffer = new byte[Math.Max(1, BufferBytes / blockAlign) * blockAlign];
    }

    private void FinishData()
    {
        _dataEnded = true;

        // Odd bytes of a partial last frame, then the pad byte of an odd-sized chunk.
        long rest = _declared - _dataConsumed;
        if (rest > 0 && !SkipBytes(rest))
        {
            if (!_allowShort)
            {
                throw Fail($"truncated data chunk: it declares {_declared} bytes but the file ends early");
            }

            _atEndOfFile = true;
            return;
        }

        _atEndOfFile = !SkipPad(_declared, tolerateEnd: true);
    }

    private FormatInfo ReadFormat(uint size)
    {
        if (size < 16)
        {
            throw Fail($"fmt chunk is {size} bytes; at least 16 are needed");
        }

        if (size > MaxFmtChunkBytes)
        {
            throw Fail($"fmt chunk claims {size} bytes, which is absurd");
        }

        byte[] fmt = new byte[size];
        int got = ReadFully(fmt);
        if (got < size)
        {
            throw Fail($"truncated fmt chunk: it declares {size} bytes but the file ends after {got}");
        }

        SkipPad(size, tolerateEnd: false);

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4));
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(12));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));

        ushort effectiveTag = tag;
        if (tag == FormatExtensible)
        {
            if (size < 40)
            {
                throw Fail($"WAVE_FORMAT_EXTENSIBLE fmt chunk is {size} bytes; 40 are needed");
            }

            ReadOnlySpan<byte> guid = fmt.AsSpan(24, 16);
            if (!guid[2..].SequenceEqual(GuidTail))
            {
                throw Fail($"WAVE_FORMAT_EXTENSIBLE sub-format {new Guid(guid)} is not PCM or IEEE float");
            }

            effectiveTag = BinaryPrimitives.ReadUInt16LittleEndian(guid);
            int validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(18));
            if (validBits > bits)
            {
                throw Fail($"WAVE_FORMAT_EXTENSIBLE says {validBits} valid bits in a {bits}-bit container");
            }
        }

        if (effectiveTag is not FormatPcm and not FormatIeeeFloat)
        {
            string what = string.Create(CultureInfo.InvariantCulture, $"0x{effectiveTag:X4} ({FormatTagName(effectiveTag)})");
            throw Fail($"compressed or unsupported format {what}; only PCM and IEEE float are supported");
        }

        if (channels == 0)
        {
            throw Fail("the fmt chunk says 0 channels");
        }

        if (sampleRate is 0 or > WavReader.MaxSampleRate)
        {
            throw Fail($"absurd sample rate {sampleRate} Hz (allowed 1 to {WavReader.MaxSampleRate})");
        }

        WavEncoding encoding = (effectiveTag, bits) switch
        {
            (FormatPcm, 8) => WavEncoding.Pcm8,
            (FormatPcm, 16) => WavEncoding.Pcm16,
            (FormatPcm, 24) => WavEncoding.Pcm24,
            (FormatPcm, 32) => WavEncoding.Pcm32,
            (FormatIeeeFloat, 32) => WavEncoding.Float32,
            (FormatIeeeFloat, 64) => WavEncoding.Float64,
            (FormatPcm, _) => throw Fail($"unsupported PCM bit depth {bits} (8, 16, 24 or 32 are supported)"),
            _ => throw Fail($"unsupported IEEE float bit depth {bits} (32 or 64 are supported)"),
        };

        int bytesPerSample = bits / 8;
        if (blockAlign != channels * bytesPerSample)
        {
            throw Fail($"block align mismatch: the fmt chunk says {blockAlign} bytes per frame, but {channels} channels × {bytesPerSample} bytes = {channels * bytesPerSample}");
        }

        return new FormatInfo(encoding, channels, (int)sampleRate, blockAlign, bytesPerSample);
    }

    private void Decode(ReadOnlySpan<byte> src, Span<float> dst)
    {
        FormatInfo format = _format;
        int channels = format.Channels;
        int bps = format.BytesPerSample;
        double inverseChannels = 1.0 / channels;
        for (int frame = 0; frame < dst.Length; frame++)
        {
            ReadOnlySpan<byte> f = src.Slice(frame * format.BlockAlign, format.BlockAlign);
            double sum = 0;
            switch (format.Encoding)
            {
                case WavEncoding.Pcm8:
                    for (int c = 0; c < channels; c++)
                    {
                        sum += (f[c] - 128) / 128.0;
                    }

                    break;
                case WavEncoding.Pcm16:
                    for (int c = 0; c < channels; c++)
                    {
                        sum += BinaryPrimitives.ReadInt16LittleEndian(f[(c * bps)..]) / 32768.0;
                    }

                    break;
                case WavEncoding.Pcm24:
                    for (int c = 0; c < channels; c++)
                    {
                        int o = c * bps;
                        int v = (f[o] << 8) | (f[o + 1] << 16) | (f[o + 2] << 24); // sign lands in bit 31
                        sum += v / 2147483648.0;
                    }

                    break;
                case WavEncoding.Pcm32:
                    for (int c = 0; c < channels; c++)
                    {
                        sum += BinaryPrimitives.ReadInt32LittleEndian(f[(c * bps)..]) / 2147483648.0;
                    }

                    break;
                case WavEncoding.Float32:
                    for (int c = 0; c < channels; c++)
                    {
                        sum += BinaryPrimitives.ReadSingleLittleEndian(f[(c * bps)..]);
                    }

                    break;
                default:
                    for (int c = 0; c < channels; c++)
                    {
                        sum += BinaryPrimitives.ReadDoubleLittleEndian(f[(c * bps)..]);
                    }

                    break;
            }

            float value = (float)(sum * inverseChannels);
            if (!float.IsFinite(value))
            {
                throw Fail($"non-finite sample (NaN or infinity) in frame {_framesRead + frame}");
            }

            dst[frame] = value;
        }

        _framesRead += dst.Length;
    }

    private long? RemainingBytes()
    {
        if (!_stream.CanSeek)
        {
            return null;
        }

        try
        {
            return Math.Max(0, _stream.Length - _stream.Position);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Skips a chunk body and its pad byte; false when the file ended inside it (only allowed when tolerated).</summary>
    private bool Skip(uint size, bool tolerateEnd)
    {
        long before = _offset;
        if (!SkipBytes(size))
        {
            if (tolerateEnd)
            {
                return false;
            }

            throw Fail($"truncated chunk at byte {before - 8}: it declares {size} bytes but the file ends after {_offset - before}");
        }

        return SkipPad(size, tolerateEnd: true);
    }

    /// <summary>Skips the pad byte after an odd-sized chunk; false at end of file.</summary>
    private bool SkipPad(uint size, bool tolerateEnd)
    {
        if ((size & 1) == 0)
        {
            return true;
        }

        // A missing final pad byte is a common writer bug; harmless when nothing follows, and
        // when it is not tolerated the caller's next read reports what is missing instead.
        return SkipBytes(1) || !tolerateEnd;
    }

    private bool SkipBytes(long count)
    {
        if (_stream.CanSeek)
        {
            long remaining = RemainingBytes() ?? long.MaxValue;
            long step = Math.Min(count, remaining);
            _stream.Seek(step, SeekOrigin.Current);
            _offset += step;
            return step == count;
        }

        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int want = (int)Math.Min(scratch.Length, count);
            int got = ReadFully(scratch[..want]);
            count -= got;
            if (got < want)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads until the span is full or the stream ends; returns the bytes read.</summary>
    private int ReadFully(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        _offset += total;
        return total;
    }

    private WavFormatException Fail(string problem) => new(_source, problem);

    private static string FourCc(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            byte b = id[i];
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }

        return new string(chars);
    }

    private static string FormatTagName(ushort tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MP3",
        _ => "unknown",
    };

    private readonly record struct FormatInfo(WavEncoding Encoding, int Channels, int SampleRate, int BlockAlign, int BytesPerSample);
}
