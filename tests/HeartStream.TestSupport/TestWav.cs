using NAudio.Wave;

namespace HeartStream.TestSupport;

/// <summary>
/// Writes mono WAV files for tests with NAudio.Core's <see cref="WaveFileWriter"/>, so the product's reader is
/// checked against files from an independent writer. The service itself never writes WAV files.
/// </summary>
public static class TestWav
{
    /// <summary>16-bit PCM: clipped to [-1, 1] and rounded to the nearest step of 1/32768 (as recorders do).</summary>
    public static void WritePcm16(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        using var stream = File.Create(path);
        WritePcm16(stream, samples, sampleRate);
    }

    /// <summary>As <see cref="WritePcm16(string, ReadOnlySpan{float}, int)"/>, to a stream (closed afterwards).</summary>
    public static void WritePcm16(Stream stream, ReadOnlySpan<float> samples, int sampleRate)
    {
        short[] pcm = new short[samples.Length];
        for (int i = 0; i < samples.Length; i++)
        {
            double scaled = Math.Round(samples[i] * 32768.0, MidpointRounding.AwayFromZero);
            pcm[i] = (short)Math.Clamp(scaled, short.MinValue, short.MaxValue);
        }

        using var writer = new WaveFileWriter(stream, new WaveFormat(sampleRate, 16, 1));
        writer.WriteSamples(pcm, 0, pcm.Length);
    }

    /// <summary>32-bit IEEE float, bit-exact.</summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        using var stream = File.Create(path);
        WriteFloat32(stream, samples, sampleRate);
    }

    /// <summary>As <see cref="WriteFloat32(string, ReadOnlySpan{float}, int)"/>, to a stream (closed afterwards).</summary>
    public static void WriteFloat32(Stream stream, ReadOnlySpan<float> samples, int sampleRate)
    {
        using var writer = new WaveFileWriter(stream, WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, 1));
        float[] copy = samples.ToArray();
        writer.WriteSamples(copy, 0, copy.Length);
    }

    /// <summary>The bytes of a WAV file as <see cref="WritePcm16(Stream, ReadOnlySpan{float}, int)"/> or the float writer makes it.</summary>
    public static byte[] Bytes(ReadOnlySpan<float> samples, int sampleRate, bool float32)
    {
        using var ms = new MemoryStream();
        if (float32)
        {
            WriteFloat32(ms, samples, sampleRate);
        }
        else
        {
            WritePcm16(ms, samples, sampleRate);
        }

        return ms.ToArray();
    }
}
