using HeartStream.Capture.Sources;

namespace HeartStream.Capture.Tests.Sources;

public sealed class RawPcmSourceTests
{
    [Fact]
    public async Task ReadAsync_S16LittleEndian_ConvertsToFullScaleFloats()
    {
        byte[] bytes = [0x00, 0x00, 0xFF, 0x7F, 0x00, 0x80, 0x00, 0x40, 0xFF, 0xFF];
        await using var source = new RawPcmSource(new MemoryStream(bytes), "bed-7", 4000);

        Assert.Equal(0, source.SampleRate);
        Assert.Equal(4000, await source.OpenAsync());
        float[] all = await ReadAllAsync(source, 16);

        Assert.Equal(new[] { 0f, 32767 / 32768f, -1f, 0.5f, -1 / 32768f }, all);
    }

    [Fact]
    public async Task ReadAsync_OneByteAtATime_JoinsSplitSamples()
    {
        short[] values = [1, -2, 300, -32768, 32767, 12345];
        byte[] bytes = values.SelectMany(BitConverter.GetBytes).ToArray();
        await using var source = new RawPcmSource(new TrickleStream(bytes), "bed-7", 2000);
        await source.OpenAsync();

        float[] all = await ReadAllAsync(source, 3);

        Assert.Equal(values.Select(v => v / 32768f).ToArray(), all);
    }

    [Fact]
    public async Task ReadAsync_TrailingOddByte_IsIgnoredAtEnd()
    {
        await using var source = new RawPcmSource(new MemoryStream([0x00, 0x40, 0x12]), "bed-7", 2000);
        await source.OpenAsync();

        Assert.Equal(new[] { 0.5f }, await ReadAllAsync(source, 8));
    }

    [Fact]
    public void Constructor_BadRate_ThrowsNamingTheLimit()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RawPcmSource(new MemoryStream(), "x", 0));
        Assert.Contains("1..384000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BeforeOpen_Throws()
    {
        await using var source = new RawPcmSource(new MemoryStream([1, 2]), "bed-7", 2000);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await source.ReadAsync(new float[4]));
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

    /// <summary>A pipe that hands out one byte per read.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= data.Length || count == 0)
            {
                return 0;
            }

            buffer[offset] = data[_position++];
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
