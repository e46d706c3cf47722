using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Protocol;

namespace HeartStream.Pipeline.Tests.Protocol;

[Collection(AllocationCollection.Name)]
public sealed class AudioFrameCodecTests
{
    private static byte[] Frame(AudioEncoding encoding, float[] samples, uint rate = 2000, uint sequence = 7, long ts = 1_700_000_000_123_456)
    {
        var buffer = new byte[AudioFrameCodec.GetEncodedLength(encoding, samples.Length)];
        Assert.Equal(buffer.Length, AudioFrameCodec.Encode(encoding, rate, sequence, ts, samples, buffer));
        return buffer;
    }

    [Theory]
    [InlineData(AudioEncoding.Pcm16)]
    [InlineData(AudioEncoding.Float32)]
    public void TryParse_EncodedFrame_RoundTripsHeaderAndSamples(AudioEncoding encoding)
    {
        float[] samples = Enumerable.Range(0, 40).Select(i => MathF.Sin(i * 0.3f) * 0.8f).ToArray();
        byte[] frame = Frame(encoding, samples, rate: 4000, sequence: uint.MaxValue, ts: -5);

        Assert.True(AudioFrameCodec.TryParse(frame, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out FrameError error));
        Assert.Equal(FrameError.None, error);
        Assert.Equal(new AudioFrameHeader(28, encoding, 1, 4000, uint.MaxValue, -5, 40), h);
        var decoded = new float[40];
        Assert.True(AudioFrameCodec.TryDecodeSamples(h, body, decoded, out error));
        double tolerance = encoding == AudioEncoding.Pcm16 ? 1.0 / 32767 : 0;
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.InRange(decoded[i] - samples[i], -tolerance, tolerance);
        }
    }

    [Fact]
    public void Encode_Pcm16_LittleEndianLayoutAsDocumented()
    {
        byte[] frame = Frame(AudioEncoding.Pcm16, [0.5f, -1f], rate: 2000, sequence: 0x01020304, ts: 0x1122334455667788);
        Assert.Equal("HSA1"u8.ToArray(), frame[..4]);
        Assert.Equal([28, 1, 1, 0], frame[4..8]);
        Assert.Equal(2000u, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(8)));
        Assert.Equal([0x04, 0x03, 0x02, 0x01], frame[12..16]);
        Assert.Equal(0x1122334455667788, BinaryPrimitives.ReadInt64LittleEndian(frame.AsSpan(16)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(24)));
        Assert.Equal(16384, BinaryPrimitives.ReadInt16LittleEndian(frame.AsSpan(28)));
        Assert.Equal(-32768, BinaryPrimitives.ReadInt16LittleEndian(frame.AsSpan(30)));
    }

    [Fact]
    public void TryParse_LongerHeaderLength_SkipsExtension()
    {
        byte[] frame = Frame(AudioEncoding.Pcm16, [0.25f]);
        byte[] extended = [.. frame[..28], 0xAA, 0xBB, 0xCC, 0xDD, .. frame[28..]];
        extended[4] = 32;
        Assert.True(AudioFrameCodec.TryParse(extended, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out _));
        Assert.Equal(32, h.HeaderLength);
        Assert.Equal(frame[28..], body.ToArray());
    }

    public static TheoryData<string, FrameError> Corruptions => new()
    {
        { "empty", FrameError.TooShort },
        { "header-cut", FrameError.TooShort },
        { "magic", FrameError.BadMagic },
        { "version", FrameError.UnsupportedVersion },
        { "header-length-small", FrameError.BadHeaderLength },
        { "header-length-beyond-payload", FrameError.TooShort },
        { "encoding", FrameError.BadEncoding },
        { "channels", FrameError.BadChannelCount },
        { "rate-low", FrameError.AbsurdSampleRate },
        { "rate-high", FrameError.AbsurdSampleRate },
        { "more-than-a-second", FrameError.Oversize },
        { "over-256k", FrameError.Oversize },
        { "missing-bytes", FrameError.LengthMismatch },
        { "extra-bytes", FrameError.LengthMismatch },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void TryParse_CorruptFrame_ReturnsThatError(string corruption, FrameError expected)
    {
        byte[] good = Frame(AudioEncoding.Pcm16, new float[100], rate: 2000);
        byte[] bad = corruption switch
        {
            "empty" => [],
            "header-cut" => good[..20],
            "magic" => Set(good, 0, (byte)'X'),
            "version" => Set(good, 3, (byte)'2'),
            "header-length-small" => Set(good, 4, 27),
            "header-length-beyond-payload" => Set(good[..40], 4, 60),
            "encoding" => Set(good, 5, 3),
            "channels" => Set(good, 6, 2),
            "rate-low" => WithRate(good, 999),
            "rate-high" => WithRate(good, 48001),
            "more-than-a-second" => Frame(AudioEncoding.Pcm16, new float[1000], rate: 1000) is var f ? WithCount(f, 1001) : good,
            "over-256k" => [.. WithCount(Frame(AudioEncoding.Float32, new float[100]), 48000), .. new byte[256 * 1024]],
            "missing-bytes" => good[..^1],
            "extra-bytes" => [.. good, 0],
            _ => throw new ArgumentException(corruption),
        };

        Assert.False(AudioFrameCodec.TryParse(bad, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out FrameError error));
        Assert.Equal(expected, error);
        Assert.Equal(default, h);
        Assert.True(body.IsEmpty);
        Assert.DoesNotContain("Unknown", AudioFrameCodec.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecodeSamples_NaNFloat_NonFiniteSample()
    {
        byte[] frame = Frame(AudioEncoding.Float32, [0.1f, 0.2f]);
        BinaryPrimitives.WriteSingleLittleEndian(frame.AsSpan(32), float.NaN);
        Assert.True(AudioFrameCodec.TryParse(frame, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out _));
        Assert.False(AudioFrameCodec.TryDecodeSamples(h, body, new float[2], out FrameError error));
        Assert.Equal(FrameError.NonFiniteSample, error);
    }

    [Fact]
    public void Encode_InvalidArguments_ThrowClearly()
    {
        var dest = new byte[100_000];
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioFrameCodec.Encode((AudioEncoding)9, 2000, 0, 0, new float[1], dest));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioFrameCodec.Encode(AudioEncoding.Pcm16, 500, 0, 0, new float[1], dest));
        Assert.Throws<ArgumentException>(() => AudioFrameCodec.Encode(AudioEncoding.Pcm16, 1000, 0, 0, new float[1001], dest));
        Assert.Throws<ArgumentException>(() => AudioFrameCodec.Encode(AudioEncoding.Pcm16, 2000, 0, 0, new float[10], new byte[30]));
        Assert.Throws<ArgumentException>(() => AudioFrameCodec.Encode(AudioEncoding.Pcm16, 2000, 0, 0, [float.NaN], dest));
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrowsAndErrorMatchesResult()
    {
        Prop.ForAll(Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary(), bytes =>
        {
            bool ok = AudioFrameCodec.TryParse(bytes, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out FrameError error);
            if (ok)
            {
                var dest = new float[h.SampleCount];
                AudioFrameCodec.TryDecodeSamples(h, body, dest, out _);
            }

            return ok == (error == FrameError.None);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryParse_MutatedValidFrames_NeverThrow()
    {
        byte[] good = Frame(AudioEncoding.Float32, Enumerable.Range(0, 50).Select(i => i / 50f).ToArray());
        Prop.ForAll(
            Gen.Choose(0, good.Length - 1).ToArbitrary(),
            Gen.Choose(0, 255).ToArbitrary(),
            Gen.Choose(0, good.Length).ToArbitrary(),
            (index, value, length) =>
            {
                byte[] mutated = good[..length];
                if (index < length)
                {
                    mutated[index] = (byte)value;
                }

                bool ok = AudioFrameCodec.TryParse(mutated, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out FrameError error);
                if (ok)
                {
                    AudioFrameCodec.TryDecodeSamples(h, body, new float[h.SampleCount], out _);
                }

                return ok == (error == FrameError.None) && (ok || length < good.Length || index < 28);
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryParseAndDecode_SteadyState_AllocatesNothing()
    {
        byte[] frame = Frame(AudioEncoding.Pcm16, new float[40]);
        var dest = new float[40];
        long total = 0;
        for (int round = 0; round < 2; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                AudioFrameCodec.TryParse(frame, out AudioFrameHeader h, out ReadOnlySpan<byte> body, out _);
                AudioFrameCodec.TryDecodeSamples(h, body, dest, out _);
            }

            total = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, total);
    }

    private static byte[] Set(byte[] frame, int index, byte value)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[index] = value;
        return copy;
    }

    private static byte[] WithRate(byte[] frame, uint rate)
    {
        byte[] copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), rate);
        return copy;
    }

    private static byte[] WithCount(byte[] frame, uint count)
    {
        byte[] copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(24), count);
        return copy;
    }
}
