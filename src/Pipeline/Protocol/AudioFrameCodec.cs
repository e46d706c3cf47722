using System.Buffers.Binary;

namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Binary codec of the gateway audio frame published on heartstream/v1/devices/{id}/audio: a 28-byte little-endian
/// header ("HSA1", header length, encoding, channels, reserved, sample rate, sequence, device timestamp, sample count)
/// followed by the samples. Parsing is allocation-free and never throws on bad payloads: it returns a
/// <see cref="FrameError"/>, because a malformed frame must fail that frame only.
/// </summary>
public static class AudioFrameCodec
{
    /// <summary>Size of the version-1 header in bytes.</summary>
    public const int HeaderSize = 28;

    /// <summary>Lowest accepted sample rate (Hz).</summary>
    public const uint MinSampleRate = 1000;

    /// <summary>Highest accepted sample rate (Hz).</summary>
    public const uint MaxSampleRate = 48000;

    /// <summary>Largest accepted payload in bytes (256 KiB).</summary>
    public const int MaxPayloadBytes = 256 * 1024;

    private const byte Version1 = (byte)'1';

    /// <summary>
    /// Validates a frame and returns its header and sample bytes (a slice of <paramref name="payload"/>).
    /// Returns false with <paramref name="error"/> set when the frame is malformed; never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out AudioFrameHeader header, out ReadOnlySpan<byte> samples, out FrameError error)
    {
        header = default;
        samples = default;
        error = Validate(payload, out header);
        if (error != FrameError.None)
        {
            header = default;
            return false;
        }

        samples = payload[header.HeaderLength..];
        return true;
    }

    private static FrameError Validate(ReadOnlySpan<byte> payload, out AudioFrameHeader header)
    {
        header = default;
        if (payload.Length >= 3 && (payload[0] != (byte)'H' || payload[1] != (byte)'S' || payload[2] != (byte)'A'))
        {
            return FrameError.BadMagic;
        }

        if (payload.Length < HeaderSize)
        {
            return FrameError.TooShort;
        }

        if (payload[3] != Version1)
        {
            return FrameError.UnsupportedVersion;
        }

        int headerLength = payload[4];
        if (headerLength < HeaderSize)
        {
            return FrameError.BadHeaderLength;
        }

        if (payload.Length < headerLength)
        {
            return FrameError.TooShort;
        }

        var encoding = (AudioEncoding)payload[5];
        if (encoding is not (AudioEncoding.Pcm16 or AudioEncoding.Float32))
        {
            return FrameError.BadEncoding;
        }

        int channels = payload[6];
        if (channels != 1)
        {
            return FrameError.BadChannelCount;
        }

        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            return FrameError.AbsurdSampleRate;
        }

        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        long timestamp = BinaryPrimitives.ReadInt64LittleEndian(payload[16..]);
        uint sampleCount = BinaryPrimitives.ReadUInt32LittleEndian(payload[24..]);
        if (payload.Length > MaxPayloadBytes || sampleCount > sampleRate)
        {
            return FrameError.Oversize;
        }

        header = new AudioFrameHeader(headerLength, encoding, channels, sampleRate, sequence, timestamp, sampleCount);
        if ((long)payload.Length - headerLength != (long)sampleCount * header.BytesPerSample)
        {
            return FrameError.LengthMismatch;
        }

        return FrameError.None;
    }

    /// <summary>Bytes an encoded frame of <paramref name="sampleCount"/> samples takes.</summary>
    public static int GetEncodedLength(AudioEncoding encoding, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        return HeaderSize + (sampleCount * (encoding == AudioEncoding.Pcm16 ? 2 : 4));
    }

    /// <summary>
    /// Writes a frame (for the simulator and tests). Float samples are written as is (float32) or scaled by 32767,
    /// rounded and clamped (pcm16). Returns the number of bytes written. Throws on arguments that would make a frame
    /// the parser rejects, so an encoder bug cannot produce bad frames silently.
    /// </summary>
    public static int Encode(
        AudioEncoding encoding,
        uint sampleRate,
        uint sequence,
        long deviceTimestampMicros,
        ReadOnlySpan<float> samples,
        Span<byte> destination)
    {
        if (encoding is not (AudioEncoding.Pcm16 or AudioEncoding.Float32))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Encoding must be Pcm16 or Float32.");
        }

        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"Sample rate must be within {MinSampleRate}..{MaxSampleRate} Hz.");
        }

        int length = GetEncodedLength(encoding, samples.Length);
        if (samples.Length > sampleRate || length > MaxPayloadBytes)
        {
            throw new ArgumentException($"A frame holds at most one second of audio and {MaxPayloadBytes} bytes; got {samples.Length} samples at {sampleRate} Hz.", nameof(samples));
        }

        if (destination.Length < length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes but the frame needs {length}.", nameof(destination));
        }

        destination[0] = (byte)'H';
        destination[1] = (byte)'S';
        destination[2] = (byte)'A';
        destination[3] = Version1;
        destination[4] = HeaderSize;
        destination[5] = (byte)encoding;
        destination[6] = 1;
        destination[7] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], deviceTimestampMicros);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)samples.Length);
        Span<byte> body = destination[HeaderSize..length];
        if (encoding == AudioEncoding.Pcm16)
        {
            for (int i = 0; i < samples.Length; i++)
            {
                float s = samples[i];
                if (!float.IsFinite(s))
                {
                    throw new ArgumentException($"Sample {i} is not finite ({s}).", nameof(samples));
                }

                short v = (short)Math.Clamp(MathF.Round(s * 32768f), short.MinValue, short.MaxValue);
                BinaryPrimitives.WriteInt16LittleEndian(body[(2 * i)..], v);
            }
        }
        else
        {
            for (int i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(4 * i)..], samples[i]);
            }
        }

        return length;
    }

    /// <summary>
    /// Decodes the sample bytes of a parsed frame to floats (pcm16 / 32768, so full scale is ±1). Returns false with
    /// <see cref="FrameError.NonFiniteSample"/> when a float32 sample is NaN or infinite (nothing useful can follow),
    /// or <see cref="FrameError.LengthMismatch"/> when the bytes do not match the header. Allocation-free.
    /// </summary>
    public static bool TryDecodeSamples(in AudioFrameHeader header, ReadOnlySpan<byte> samples, Span<float> destination, out FrameError error)
    {
        int count = (int)header.SampleCount;
        if (destination.Length < count)
        {
            throw new ArgumentException($"Destination holds {destination.Length} samples but the frame has {count}.", nameof(destination));
        }

        if ((long)count * header.BytesPerSample != samples.Length)
        {
            error = FrameError.LengthMismatch;
            return false;
        }

        if (header.Encoding == AudioEncoding.Pcm16)
        {
            for (int i = 0; i < count; i++)
            {
                destination[i] = BinaryPrimitives.ReadInt16LittleEndian(samples[(2 * i)..]) / 32768f;
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                float v = BinaryPrimitives.ReadSingleLittleEndian(samples[(4 * i)..]);
                if (!float.IsFinite(v))
                {
                    error = FrameError.NonFiniteSample;
                    return false;
                }

                destination[i] = v;
            }
        }

        error = FrameError.None;
        return true;
    }

    /// <summary>A full-sentence description of an error, for logs and the device status reason.</summary>
    public static string Describe(FrameError error) => error switch
    {
        FrameError.None => "The frame is valid.",
        FrameError.TooShort => $"The frame is shorter than its {HeaderSize}-byte header.",
        FrameError.BadMagic => "The frame does not start with the magic \"HSA\".",
        FrameError.UnsupportedVersion => "The frame version is not supported (expected \"HSA1\").",
        FrameError.BadHeaderLength => $"The declared header length is below {HeaderSize} bytes.",
        FrameError.BadEncoding => "The encoding byte is neither 1 (pcm16) nor 2 (float32).",
        FrameError.BadChannelCount => "The channel count is not 1 (only mono is supported).",
        FrameError.AbsurdSampleRate => $"The sample rate is outside {MinSampleRate}..{MaxSampleRate} Hz.",
        FrameError.Oversize => $"The frame holds more than one second of audio or more than {MaxPayloadBytes} bytes.",
        FrameError.LengthMismatch => "The sample bytes do not match the sample count and encoding in the header.",
        FrameError.NonFiniteSample => "A float32 sample is NaN or infinite.",
        _ => "Unknown frame error.",
    };
}
