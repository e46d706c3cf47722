using System.Buffers.Binary;
using System.Globalization;

namespace HeartStream.Capture.Audio;

/// <summary>
/// Reads RIFF/WAVE files into mono float samples. Reads the stream once, front to back (no seeking),
/// so it also works on pipes and network streams.
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

    private const ushort FormatPcm = 0x0001;
    private const ushort FormatIeeeFloat = 0x0003;
    private const ushort FormatExtensible = 0xFFFE;
    private const int MaxFmtChunkBytes = 1 << 16;
    private const int ReadBufferBytes = 1 << 16;

    // The 12 bytes that follow the format tag in every KSDATAFORMAT_SUBTYPE_* GUID of the
    // WAVE_FORMAT_EXTENSIBLE family: xxxxxxxx-0000-0010-8000-00AA00389B71.
    private static ReadOnlySpan<byte> GuidTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads a WAV file from disk.</summary>
    /// <exception cref="WavFormatException">The file is not a WAV file this reader can decode faithfully.</exception>
    public static WavAudio Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads a WAV file from a stream, front to back; <paramref name="sourceName"/> is used in error messages.</summary>
    /// <exception cref="WavFormatException">The stream is not a WAV file this reader can decode faithfully.</exception>
    public static WavAudio Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var reader = new ChunkReader(stream, sourceName);
        return reader.ReadAll();
    }

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

    /// <summary>Sequential RIFF parser; one instance per read.</summary>
    private sealed class ChunkReader(Stream stream, string sourceName)
    {
        private readonly Stream _stream = stream;
        private readonly string _source = sourceName;
        private long _offset;

        public WavAudio ReadAll()
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

            FormatInfo? format = null;
            float[]? samples = null;
            Span<byte> chunkHeader = stackalloc byte[8];
            while (true)
            {
                long chunkOffset = _offset;
                got = ReadFully(chunkHeader);
                if (got == 0)
                {
                    break;
                }

                if (got < 8)
                {
                    if (samples is not null)
                    {
                        break; // Trailing junk after complete audio.
                    }

                    throw Fail($"truncated chunk header at byte {chunkOffset}: only {got} of 8 bytes");
                }

                uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
                ReadOnlySpan<byte> id = chunkHeader[..4];
                if (id.SequenceEqual("fmt "u8))
                {
                    if (format is not null)
                    {
                        throw Fail($"a second fmt chunk at byte {chunkOffset}");
                    }

                    format = ReadFormat(size);
                }
                else if (id.SequenceEqual("data"u8))
                {
                    if (format is null)
                    {
                        throw Fail($"the data chunk at byte {chunkOffset} comes before any fmt chunk");
                    }

                    if (samples is not null)
                    {
                        throw Fail($"a second data chunk at byte {chunkOffset}");
                    }

                    bool toEnd = size is 0 or uint.MaxValue;
                    samples = ReadData(format.Value, size, toEnd, allowShort: toEnd || riffSizeIsPlaceholder, out bool reachedEnd);
                    if (reachedEnd)
                    {
                        break;
                    }
                }
                else if (!Skip(size, tolerateEnd: samples is not null))
                {
                    break;
                }
            }

            if (format is null)
            {
                throw Fail("no fmt chunk");
            }

            if (samples is null)
            {
                throw Fail("no data chunk");
            }

            FormatInfo f = format.Value;
            return new WavAudio(samples, f.SampleRate, f.Channels, f.Encoding);
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

            if (sampleRate is 0 or > MaxSampleRate)
            {
                throw Fail($"absurd sample rate {sampleRate} Hz (allowed 1 to {MaxSampleRate})");
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

        private float[] ReadData(FormatInfo format, uint declared, bool toEnd, bool allowShort, out bool reachedEnd)
        {
            int blockAlign = format.BlockAlign;
            long wanted = toEnd ? long.MaxValue : declared;
            long wholeFrameBytes = toEnd ? long.MaxValue : declared - (declared % blockAlign);

            // Pre-size from the declared or remaining length when it is known, capped so a lying header
            // cannot make us allocate gigabytes up front.
            long expectedBytes = toEnd ? RemainingBytes() ?? 0 : declared;
            long expectedFrames = Math.Clamp(expectedBytes / blockAlign, 0, 1 << 24);
            float[] samples = new float[expectedFrames];
            int frames = 0;

            int framesPerBuffer = Math.Max(1, ReadBufferBytes / blockAlign);
            byte[] buffer = new byte[framesPerBuffer * blockAlign];
            long consumed = 0;
            reachedEnd = false;
            while (consumed < wholeFrameBytes)
            {
                int want = (int)Math.Min(buffer.Length, wholeFrameBytes - consumed);
                int got = ReadFully(buffer.AsSpan(0, want));
                consumed += got;
                int gotFrames = got / blockAlign;
                if (gotFrames > 0)
                {
                    if (frames + gotFrames > samples.Length)
                    {
                        long grown = Math.Max((long)samples.Length * 2, frames + gotFrames);
                        Array.Resize(ref samples, (int)Math.Min(grown, Array.MaxLength));
                    }

                    Decode(format, buffer.AsSpan(0, gotFrames * blockAlign), samples.AsSpan(frames, gotFrames), frames);
                    frames += gotFrames;
                }

                if (got < want)
                {
                    reachedEnd = true;
                    if (!allowShort)
                    {
                        throw Fail($"truncated data chunk: it declares {declared} bytes but the file ends after {consumed}");
                    }

                    break;
                }
            }

            if (!reachedEnd && !toEnd)
            {
                // Odd bytes of a partial last frame, then the pad byte of an odd-sized chunk.
                long rest = wanted - consumed;
                if (rest > 0 && !SkipBytes(rest))
                {
                    if (!allowShort)
                    {
                        throw Fail($"truncated data chunk: it declares {declared} bytes but the file ends early");
                    }

                    reachedEnd = true;
                }
                else
                {
                    reachedEnd = !SkipPad(declared, tolerateEnd: true);
                }
            }

            if (frames != samples.Length)
            {
                Array.Resize(ref samples, frames);
            }

            return samples;
        }

        private void Decode(FormatInfo format, ReadOnlySpan<byte> src, Span<float> dst, int firstFrame)
        {
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
                    throw Fail($"non-finite sample (NaN or infinity) in frame {firstFrame + frame}");
                }

                dst[frame] = value;
            }
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
    }
}
