using HeartStream.Capture.Audio;
using HeartStream.Capture.Sources;
using HeartStream.TestSupport;

namespace HeartStream.Capture.Tests.Sources;

public sealed class WavFileSourceTests
{
    private static string Sample => Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");

    [Fact]
    public async Task ReadAsync_SpeedZero_ReturnsExactlyTheFileSamples()
    {
        WavAudio expected = WavReader.Read(Sample);
        await using var source = new WavFileSource(Sample, "bed-1", new WavReplayOptions { Speed = 0 });

        Assert.Equal(expected.SampleRate, await source.OpenAsync());
        float[] all = await ReadAllAsync(source, 777);

        Assert.Equal(expected.Samples.ToArray(), all);
    }

    [Fact]
    public async Task ReadAsync_Loop_StartsAgainAndKeepsStreaming()
    {
        WavAudio expected = WavReader.Read(Sample);
        int length = expected.Samples.Length;
        await using var source = new WavFileSource(Sample, "bed-1", new WavReplayOptions { Speed = 0, Loop = true });
        await source.OpenAsync();

        var buffer = new float[1000];
        var all = new List<float>();
        while (all.Count < (2 * length) + 10)
        {
            int n = await source.ReadAsync(buffer);
            Assert.True(n > 0);
            all.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(expected.Samples.ToArray(), all.GetRange(length, length));
        Assert.Equal(expected.Samples[..10].ToArray(), all.GetRange(2 * length, 10));
    }

    [Fact]
    public async Task ReadAsync_HighSpeed_EndsWithAllSamples()
    {
        WavAudio expected = WavReader.Read(Sample);
        await using var source = new WavFileSource(Sample, "bed-1", new WavReplayOptions { Speed = 1000, TickMilliseconds = 1 });
        await source.OpenAsync();

        float[] all = await ReadAllAsync(source, 4000);

        Assert.Equal(expected.Samples.Length, all.Length);
    }

    [Fact]
    public async Task OpenAsync_BadHeader_ThrowsNamingTheFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, "RIFF\0\0\0\0JUNKnothing"u8.ToArray());
            await using var source = new WavFileSource(path, "bed-1");

            WavFormatException e = await Assert.ThrowsAsync<WavFormatException>(async () => await source.OpenAsync());
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReadAsync_TruncatedData_ThrowsAfterTheGoodSamples()
    {
        string path = Path.GetTempFileName();
        try
        {
            byte[] bytes = await File.ReadAllBytesAsync(Sample);
            await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
            await using var source = new WavFileSource(path, "bed-1", new WavReplayOptions { Speed = 0 });
            await source.OpenAsync();
            var buffer = new float[1000];
            long good = 0;

            WavFormatException e = await Assert.ThrowsAsync<WavFormatException>(async () =>
            {
                int n;
                while ((n = await source.ReadAsync(buffer)) > 0)
                {
                    good += n;
                }
            });

            Assert.True(good > 0);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Constructor_NegativeSpeed_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new WavFileSource(Sample, "bed-1", new WavReplayOptions { Speed = -1 }));
        Assert.Contains("speed", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<float[]> ReadAllAsync(IAudioSource source, int bufferLength)
    {
        var all = new List<float>();
        var buffer = new float[bufferLength];
        int n;
        while ((n = await source.ReadAsync(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return [.. all];
    }
}
