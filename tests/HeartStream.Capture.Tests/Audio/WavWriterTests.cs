using System.Buffers.Binary;
using HeartStream.Capture.Audio;

namespace HeartStream.Capture.Tests.Audio;

public class WavWriterTests
{
    [Fact]
    public void Write_Float32_RoundTripsExactly()
    {
        float[] samples = Enumerable.Range(0, 1001).Select(i => MathF.Sin(i * 0.37f) * 1.5f).ToArray();
        using var ms = new MemoryStream();

        WavWriter.Write(ms, samples, 4000, WavEncoding.Float32);
        WavAudio audio = WavReader.Read(new MemoryStream(ms.ToArray()), "roundtrip");

        Assert.Equal(WavEncoding.Float32, audio.Encoding);
        Assert.Equal(4000, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.Equal(samples, audio.Samples);
    }

    [Fact]
    public void Write_Pcm16_RoundTripsWithinHalfStep()
    {
        float[] samples = Enumerable.Range(0, 999).Select(i => MathF.Sin(i * 0.11f) * 0.9f).ToArray();
        using var ms = new MemoryStream();

        WavWriter.Write(ms, samples, 2000, WavEncoding.Pcm16);
        WavAudio audio = WavReader.Read(new MemoryStream(ms.ToArray()), "roundtrip");

        Assert.Equal(WavEncoding.Pcm16, audio.Encoding);
        Assert.Equal(samples.Length, audio.Samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.True(Math.Abs(audio.Samples[i] - samples[i]) <= 0.5 / 32768 + 1e-9, $"sample {i}: {audio.Samples[i]} vs {samples[i]}");
        }
    }

    [Fact]
    public void Write_Pcm16_ClipsAndRoundsToNearest()
    {
        float[] samples = [1.5f, 1f, -1f, -2f, 0.3f, -0.3f, 1.6f / 32768, 1.4f / 32768];
        short[] expected = [32767, 32767, -32768, -32768, 9830, -9830, 2, 1];
        using var ms = new MemoryStream();

        WavWriter.Write(ms, samples, 2000, WavEncoding.Pcm16);

        byte[] bytes = ms.ToArray();
        Assert.Equal(44 + (2 * samples.Length), bytes.Length);
        short[] actual = Enumerable.Range(0, samples.Length).Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(44 + (2 * i)))).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Write_Path_WritesCanonicalHeader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"heartstream-w-{Guid.NewGuid():N}.wav");
        try
        {
            WavWriter.Write(path, [0.25f, -0.25f, 0.5f], 44100, WavEncoding.Pcm16);

            byte[] b = File.ReadAllBytes(path);
            Assert.Equal("RIFF"u8.ToArray(), b[..4]);
            Assert.Equal((uint)(b.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)));
            Assert.Equal(44100u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(24)));
            Assert.Equal(88200u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28)));
            Assert.Equal([0.25f, -0.25f, 0.5f], WavReader.Read(path).Samples);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(WavEncoding.Pcm8)]
    [InlineData(WavEncoding.Pcm24)]
    [InlineData(WavEncoding.Float64)]
    public void Write_UnsupportedEncoding_Throws(WavEncoding encoding)
    {
        var ex = Assert.Throws<ArgumentException>(() => WavWriter.Write(new MemoryStream(), [0f], 2000, encoding));

        Assert.Contains(encoding.ToString(), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NaNSample_ThrowsNamingIndex()
    {
        var ex = Assert.Throws<ArgumentException>(() => WavWriter.Write(new MemoryStream(), [0f, 0.1f, float.NaN], 2000, WavEncoding.Float32));

        Assert.Contains("Sample 2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(2_000_000)]
    public void Write_BadSampleRate_Throws(int rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WavWriter.Write(new MemoryStream(), [0f], rate, WavEncoding.Pcm16));
    }
}
