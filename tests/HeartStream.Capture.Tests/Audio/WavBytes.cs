using System.Buffers.Binary;
using System.Text;
using HeartStream.Capture.Audio;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>
/// Builds WAV files byte by byte, so the reader is tested against exact layouts (including broken ones).
/// </summary>
internal static class WavBytes
{
    public const ushort Pcm = 1;
    public const ushort IeeeFloat = 3;
    public const ushort Extensible = 0xFFFE;

    /// <summary>A chunk: id, body, and optionally a size field that lies about the body.</summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null, bool pad = true)
    {
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes(id));
        ms.Write(U32(declaredSize ?? (uint)body.Length));
        ms.Write(body);
        if (pad && (body.Length & 1) == 1)
        {
            ms.WriteByte(0);
        }

        return ms.ToArray();
    }

    /// <summary>RIFF/WAVE file of the given chunks; the RIFF size is correct unless given.</summary>
    public static byte[] Riff(IEnumerable<byte[]> chunks, uint? riffSize = null, string form = "WAVE")
    {
        byte[] body = chunks.SelectMany(c => c).ToArray();
        using var ms = new MemoryStream();
        ms.Write("RIFF"u8);
        ms.Write(U32(riffSize ?? (uint)(body.Length + 4)));
        ms.Write(Encoding.ASCII.GetBytes(form));
        ms.Write(body);
        return ms.ToArray();
    }

    public static byte[] Riff(params byte[][] chunks) => Riff((IEnumerable<byte[]>)chunks);

    /// <summary>A classic 16-byte fmt chunk; block align and byte rate follow from the rest unless given.</summary>
    public static byte[] Fmt(ushort tag, int channels, uint rate, int bits, int? blockAlign = null)
    {
        int align = blockAlign ?? (channels * bits / 8);
        byte[] b = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(b, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)(rate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(14), (ushort)bits);
        return Chunk("fmt ", b);
    }

    /// <summary>A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID carries <paramref name="subTag"/>.</summary>
    public static byte[] FmtExtensible(ushort subTag, int channels, uint rate, int bits, int validBits)
    {
        int align = channels * bits / 8;
        byte[] b = new byte[40];
        BinaryPrimitives.WriteUInt16LittleEndian(b, Extensible);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)(rate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(14), (ushort)bits);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(18), (ushort)validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), channels == 2 ? 3u : 0u);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(24), subTag);
        byte[] tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        tail.CopyTo(b, 26);
        return Chunk("fmt ", b);
    }

    /// <summary>
    /// Encodes interleaved samples. Values must be exactly representable (multiples of 1/128 in [-1, 1)),
    /// so every encoding decodes back to the same floats.
    /// </summary>
    public static byte[] Encode(WavEncoding encoding, ReadOnlySpan<double> interleaved)
    {
        int bps = BytesPerSample(encoding);
        byte[] b = new byte[interleaved.Length * bps];
        for (int i = 0; i < interleaved.Length; i++)
        {
            double v = interleaved[i];
            Span<byte> d = b.AsSpan(i * bps);
            switch (encoding)
            {
                case WavEncoding.Pcm8:
                    d[0] = (byte)(int)((v * 128) + 128);
                    break;
                case WavEncoding.Pcm16:
                    BinaryPrimitives.WriteInt16LittleEndian(d, (short)(v * 32768));
                    break;
                case WavEncoding.Pcm24:
                    int s24 = (int)(v * 8388608);
                    d[0] = (byte)s24;
                    d[1] = (byte)(s24 >> 8);
                    d[2] = (byte)(s24 >> 16);
                    break;
                case WavEncoding.Pcm32:
                    BinaryPrimitives.WriteInt32LittleEndian(d, (int)(v * 2147483648.0));
                    break;
                case WavEncoding.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(d, (float)v);
                    break;
                default:
                    BinaryPrimitives.WriteDoubleLittleEndian(d, v);
                    break;
            }
        }

        return b;
    }

    public static int BytesPerSample(WavEncoding encoding) => encoding switch
    {
        WavEncoding.Pcm8 => 1,
        WavEncoding.Pcm16 => 2,
        WavEncoding.Pcm24 => 3,
        WavEncoding.Pcm32 or WavEncoding.Float32 => 4,
        _ => 8,
    };

    public static ushort Tag(WavEncoding encoding) => encoding is WavEncoding.Float32 or WavEncoding.Float64 ? IeeeFloat : Pcm;

    public static int Bits(WavEncoding encoding) => BytesPerSample(encoding) * 8;

    public static WavAudio Read(byte[] file, string name = "test.wav") => WavReader.Read(new MemoryStream(file), name);

    private static byte[] U32(uint v)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }
}
