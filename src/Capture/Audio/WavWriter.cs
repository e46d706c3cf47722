using System.Buffers;
using System.Buffers.Binary;

namespace HeartStream.Capture.Audio;

/// <summary>
/// Writes mono WAV files: 32-bit IEEE float (lossless for our float pipeline) or 16-bit PCM (what most
/// tools and the public heart-sound sets use). PCM16 clips to [-1, 1] and rounds to the nearest step
/// of 1/32768, so reading it back with <see cref="WavReader"/> is within half a step of the input.
/// </summary>
public static class WavWriter
{
    private const int BufferFrames = 8192;

    /// <summary>Writes a mono WAV file, replacing any existing file.</summary>
    /// <exception cref="ArgumentException">Unsupported encoding, bad rate, or a NaN/infinite sample.</exception>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, WavEncoding encoding)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Validate(samples, sampleRate, encoding);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        WriteCore(stream, samples, sampleRate, encoding);
    }

    /// <summary>Writes a mono WAV file to a stream (left open), starting at its current position.</summary>
    /// <exception cref="ArgumentException">Unsupported encoding, bad rate, or a NaN/infinite sample.</exception>
    public static void Write(Stream stream, ReadOnlySpan<float> samples, int sampleRate, WavEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Validate(samples, sampleRate, encoding);
        WriteCore(stream, samples, sampleRate, encoding);
    }

    private static void Validate(ReadOnlySpan<float> samples, int sampleRate, WavEncoding encoding)
    {
        if (encoding is not WavEncoding.Float32 and not WavEncoding.Pcm16)
        {
            throw new ArgumentException($"WavWriter writes Float32 or Pcm16, not {encoding}.", nameof(encoding));
        }

        if (sampleRate <= 0 || sampleRate > WavReader.MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"Sample rate must be 1 to {WavReader.MaxSampleRate} Hz.");
        }

        int bytesPerSample = encoding == WavEncoding.Float32 ? 4 : 2;
        if ((long)samples.Length * bytesPerSample > uint.MaxValue - 64)
        {
            throw new ArgumentException($"{samples.Length} samples do not fit in a WAV file (4 GiB limit).", nameof(samples));
        }

        for (int i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                throw new ArgumentException($"Sample {i} is {samples[i]}; only finite samples can be written.", nameof(samples));
            }
        }
    }

    private static void WriteCore(Stream stream, ReadOnlySpan<float> samples, int sampleRate, WavEncoding encoding)
    {
        bool isFloat = encoding == WavEncoding.Float32;
        int bytesPerSample = isFloat ? 4 : 2;
        uint dataBytes = (uint)(samples.Length * (long)bytesPerSample);
        uint padded = dataBytes + (dataBytes & 1);

        // Float files carry an 18-byte fmt (cbSize = 0) and a fact chunk, as the WAVE spec asks of
        // every non-PCM format; PCM uses the classic 16-byte fmt.
        int fmtSize = isFloat ? 18 : 16;
        int factSize = isFloat ? 12 : 0;
        int headerSize = 12 + 8 + fmtSize + factSize + 8;
        Span<byte> header = stackalloc byte[headerSize];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(headerSize - 8) + padded);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)fmtSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], (ushort)(isFloat ? 3 : 1));
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)bytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)(bytesPerSample * 8));
        int o = 36;
        if (isFloat)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[o..], 0);
            o += 2;
            "fact"u8.CopyTo(header[o..]);
            BinaryPrimitives.WriteUInt32LittleEndian(header[(o + 4)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(header[(o + 8)..], (uint)samples.Length);
            o += 12;
        }

        "data"u8.CopyTo(header[o..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[(o + 4)..], dataBytes);
        stream.Write(header);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferFrames * bytesPerSample);
        try
        {
            for (int start = 0; start < samples.Length; start += BufferFrames)
            {
                ReadOnlySpan<float> block = samples.Slice(start, Math.Min(BufferFrames, samples.Length - start));
                Span<byte> bytes = buffer.AsSpan(0, block.Length * bytesPerSample);
                for (int i = 0; i < block.Length; i++)
                {
                    if (isFloat)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 4)..], block[i]);
                    }
                    else
                    {
                        double scaled = Math.Round(block[i] * 32768.0, MidpointRounding.AwayFromZero);
                        BinaryPrimitives.WriteInt16LittleEndian(bytes[(i * 2)..], (short)Math.Clamp(scaled, short.MinValue, short.MaxValue));
                    }
                }

                stream.Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (padded != dataBytes)
        {
            stream.WriteByte(0);
        }
    }
}
