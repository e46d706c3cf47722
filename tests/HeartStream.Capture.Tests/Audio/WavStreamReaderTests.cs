using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using static HeartStream.Capture.Tests.Audio.WavBytes;

namespace HeartStream.Capture.Tests.Audio;

[Collection(AllocationCollection.Name)]
public class WavStreamReaderTests
{
    private static readonly double[] s_stereo = Enumerable.Range(0, 2 * 20000).Select(i => ((i * 37 % 256) - 128) / 128.0).ToArray();

    private static byte[] StereoFile => Riff(Chunk("LIST", new byte[7]), Fmt(Pcm, 2, 4000, 24), Chunk("data", Encode(WavEncoding.Pcm24, s_stereo)), Chunk("cue ", new byte[4]));

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    [InlineData(50000)]
    public void Read_AnyBlockSize_SameAsWholeFileReader(int blockSize)
    {
        float[] whole = Read(StereoFile).Samples;
        using var reader = new WavStreamReader(new MemoryStream(StereoFile), "stream.wav");
        var collected = new List<float>();
        float[] block = new float[blockSize];

        int n;
        while ((n = reader.Read(block)) > 0)
        {
            collected.AddRange(block.AsSpan(0, n));
        }

        Assert.Equal(4000, reader.SampleRate);
        Assert.Equal(2, reader.Channels);
        Assert.Equal(WavEncoding.Pcm24, reader.Encoding);
        Assert.Equal(20000, reader.DeclaredFrames);
        Assert.Equal(20000, reader.FramesRead);
        Assert.Equal(whole, collected);
    }

    [Fact]
    public void Read_SteadyState_DoesNotAllocate()
    {
        using var reader = new WavStreamReader(new MemoryStream(StereoFile), "stream.wav");
        float[] block = new float[256];
        reader.Read(block); // warm-up

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 20; i++)
        {
            total += reader.Read(block);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(20 * 256, total);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Read_TruncatedData_ThrowsWhenTheCutIsReached()
    {
        byte[] file = Riff(Fmt(Pcm, 1, 4000, 16), Chunk("data", Encode(WavEncoding.Pcm16, new double[100])))[..^50];
        using var reader = new WavStreamReader(new MemoryStream(file), "cut.wav");
        float[] block = new float[10];

        Assert.Equal(10, reader.Read(block)); // the first frames are intact
        var ex = Assert.Throws<WavFormatException>(() =>
        {
            while (reader.Read(block) > 0)
            {
            }
        });

        Assert.Contains("cut.wav", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated data chunk: it declares 200 bytes but the file ends after 150", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadHeader_ThrowsBeforeAnyRead()
    {
        byte[] file = Riff(Fmt(7, 1, 8000, 8), Chunk("data", new byte[4]));

        var ex = Assert.Throws<WavFormatException>(() => new WavStreamReader(new MemoryStream(file), "ulaw.wav"));

        Assert.Contains("mu-law", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Path_StreamsWholeFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"heartstream-s-{Guid.NewGuid():N}.wav");
        try
        {
            TestWav.WriteFloat32(path, [0.5f, -0.25f, 0.125f], 2000);
            float[] block = new float[8];
            using (WavStreamReader reader = WavStreamReader.Open(path))
            {
                Assert.Equal(3, reader.Read(block));
                Assert.Equal(0, reader.Read(block));
            }

            Assert.Equal([0.5f, -0.25f, 0.125f], block[..3]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
