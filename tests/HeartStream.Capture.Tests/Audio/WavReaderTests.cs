using HeartStream.Capture.Audio;
using static HeartStream.Capture.Tests.Audio.WavBytes;

namespace HeartStream.Capture.Tests.Audio;

public class WavReaderTests
{
    // Exactly representable in every encoding, including the extremes -1 and 127/128.
    private static readonly double[] s_values = [0, 0.5, -1, -0.25, 0.75, 127.0 / 128, -1.0 / 128];

    public static TheoryData<WavEncoding> AllEncodings =>
        [WavEncoding.Pcm8, WavEncoding.Pcm16, WavEncoding.Pcm24, WavEncoding.Pcm32, WavEncoding.Float32, WavEncoding.Float64];

    [Theory]
    [MemberData(nameof(AllEncodings))]
    public void Read_MonoEachEncoding_DecodesExactValues(WavEncoding encoding)
    {
        byte[] file = Riff(Fmt(Tag(encoding), 1, 4000, Bits(encoding)), Chunk("data", Encode(encoding, s_values)));

        WavAudio audio = Read(file);

        Assert.Equal(encoding, audio.Encoding);
        Assert.Equal(4000, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.Equal(s_values.Select(v => (float)v), audio.Samples);
        Assert.Equal(s_values.Length / 4000.0, audio.DurationSeconds, 12);
    }

    [Theory]
    [MemberData(nameof(AllEncodings))]
    public void Read_StereoEachEncoding_AveragesChannels(WavEncoding encoding)
    {
        double[] left = [0.5, -1, 0.25, 0];
        double[] right = [0.25, -0.5, -0.25, 0.75];
        double[] interleaved = left.Zip(right).SelectMany(p => new[] { p.First, p.Second }).ToArray();
        byte[] file = Riff(Fmt(Tag(encoding), 2, 8000, Bits(encoding)), Chunk("data", Encode(encoding, interleaved)));

        WavAudio audio = Read(file);

        Assert.Equal(2, audio.Channels);
        Assert.Equal(left.Zip(right, (l, r) => (float)((l + r) / 2)), audio.Samples);
    }

    [Fact]
    public void Read_FiveChannels_AveragesAllChannels()
    {
        const int frames = 3;
        double[] interleaved = new double[frames * 5];
        float[] expected = new float[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            for (int c = 0; c < 5; c++)
            {
                double v = ((c + 1) / 8.0) * (f % 2 == 0 ? 1 : -1) * (f + 1) / 4.0;
                interleaved[(f * 5) + c] = v;
                sum += v;
            }

            expected[f] = (float)(sum / 5);
        }

        WavAudio audio = Read(Riff(Fmt(Pcm, 5, 2000, 16), Chunk("data", Encode(WavEncoding.Pcm16, interleaved))));

        Assert.Equal(5, audio.Channels);
        Assert.Equal(expected, audio.Samples);
    }

    [Theory]
    [InlineData(Pcm, 16, 16, WavEncoding.Pcm16)]
    [InlineData(Pcm, 24, 20, WavEncoding.Pcm24)]
    [InlineData(Pcm, 32, 32, WavEncoding.Pcm32)]
    [InlineData(IeeeFloat, 32, 32, WavEncoding.Float32)]
    [InlineData(IeeeFloat, 64, 64, WavEncoding.Float64)]
    public void Read_Extensible_DecodesSubFormat(ushort subTag, int bits, int validBits, WavEncoding expected)
    {
        double[] interleaved = [0.5, 0.25, -1, -0.5];
        byte[] file = Riff(FmtExtensible(subTag, 2, 48000, bits, validBits), Chunk("data", Encode(expected, interleaved)));

        WavAudio audio = Read(file);

        Assert.Equal(expected, audio.Encoding);
        Assert.Equal(48000, audio.SampleRate);
        Assert.Equal([0.375f, -0.75f], audio.Samples);
    }

    [Fact]
    public void Read_OddSizedChunksWithPadBytes_SkipsPadBytes()
    {
        // A 5-byte LIST before fmt and a 3-byte 'junk' between fmt and data: if a pad byte were not
        // skipped, every following chunk header would be off by one and fmt/data would not be found.
        byte[] file = Riff(
            Chunk("LIST", [1, 2, 3, 4, 5]),
            Fmt(Pcm, 1, 2000, 8),
            Chunk("junk", [9, 9, 9]),
            Chunk("data", Encode(WavEncoding.Pcm8, [0.5, -0.5, 0.25])),
            Chunk("LIST", [7]));

        WavAudio audio = Read(file);

        Assert.Equal([0.5f, -0.5f, 0.25f], audio.Samples);
    }

    [Fact]
    public void Read_OddDataChunkWithoutFinalPadByte_ReadsAllFrames()
    {
        // A common writer bug: the last, odd-sized chunk lacks its pad byte. The audio is complete.
        byte[] file = Riff(Fmt(Pcm, 1, 2000, 8), Chunk("data", Encode(WavEncoding.Pcm8, [0.5, -0.5, 0.25]), pad: false));

        WavAudio audio = WavReader.Read(new NonSeekableStream(file), "pipe");

        Assert.Equal([0.5f, -0.5f, 0.25f], audio.Samples);
    }

    [Fact]
    public void Read_ListFactCueBeforeAndAfterData_IgnoresThem()
    {
        byte[] info = "INFOISFT\u0005\0\0\0test\0\0"u8.ToArray();
        byte[] file = Riff(
            Chunk("LIST", info),
            Fmt(IeeeFloat, 1, 4000, 32),
            Chunk("fact", [2, 0, 0, 0]),
            Chunk("cue ", new byte[28]),
            Chunk("data", Encode(WavEncoding.Float32, [0.125, -0.375])),
            Chunk("LIST", info),
            Chunk("cue ", new byte[4]));

        WavAudio audio = Read(file);

        Assert.Equal([0.125f, -0.375f], audio.Samples);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    public void Read_DataSizePlaceholder_ReadsToEndOfFileWholeFramesOnly(uint declared)
    {
        // Stereo 16-bit, 3 whole frames and one stray byte of a fourth frame cut mid-write.
        byte[] data = [.. Encode(WavEncoding.Pcm16, [0.5, 0.5, -0.25, -0.25, 0.75, 0.25]), 0x12];
        byte[] file = Riff([Fmt(Pcm, 2, 4000, 16), Chunk("data", data, declared, pad: false)], riffSize: 0xFFFFFFFF);

        WavAudio audio = Read(file);

        Assert.Equal([0.5f, -0.25f, 0.5f], audio.Samples);
    }

    [Fact]
    public void Read_DataLargerThanFileWithStreamingRiffSize_ReadsToEndOfFile()
    {
        byte[] data = Encode(WavEncoding.Pcm16, [0.5, -0.5, 0.25]);
        byte[] file = Riff([Fmt(Pcm, 1, 4000, 16), Chunk("data", data, 1_000_000)], riffSize: 0);

        WavAudio audio = Read(file);

        Assert.Equal([0.5f, -0.5f, 0.25f], audio.Samples);
    }

    [Fact]
    public void Read_DataLargerThanFileWithRealRiffSize_ThrowsTruncated()
    {
        // The header says the file is complete, so missing audio means the file was cut: no partial read.
        byte[] data = Encode(WavEncoding.Pcm16, [0.5, -0.5, 0.25]);
        byte[] file = Riff([Fmt(Pcm, 1, 4000, 16), Chunk("data", data, 1000)], riffSize: 36 + 1000);

        var ex = Assert.Throws<WavFormatException>(() => Read(file, "cut.wav"));

        Assert.Contains("cut.wav", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated data chunk", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
        Assert.Contains("6", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DataSizeNotMultipleOfBlockAlign_KeepsWholeFrames()
    {
        byte[] data = [.. Encode(WavEncoding.Pcm16, [0.5, -0.5]), 0x7F];
        byte[] file = Riff(Fmt(Pcm, 1, 4000, 16), Chunk("data", data), Chunk("LIST", new byte[4]));

        WavAudio audio = Read(file);

        Assert.Equal([0.5f, -0.5f], audio.Samples);
    }

    [Fact]
    public void Read_EmptyDataChunk_ReturnsNoSamples()
    {
        byte[] file = Riff([Fmt(Pcm, 1, 4000, 16), Chunk("data", [])], riffSize: 36);

        WavAudio audio = Read(file);

        Assert.Empty(audio.Samples);
        Assert.Equal(0, audio.DurationSeconds);
    }

    [Fact]
    public void Read_NonSeekableStream_SameAsSeekable()
    {
        double[] values = Enumerable.Range(0, 5000).Select(i => ((i % 256) - 128) / 128.0).ToArray();
        byte[] file = Riff(Chunk("LIST", new byte[101]), Fmt(Pcm, 1, 4000, 24), Chunk("data", Encode(WavEncoding.Pcm24, values)));

        WavAudio seekable = Read(file);
        WavAudio piped = WavReader.Read(new NonSeekableStream(file), "pipe");

        Assert.Equal(values.Length, seekable.Samples.Length);
        Assert.Equal(seekable.Samples, piped.Samples);
    }

    [Fact]
    public void Read_Path_ReadsFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"heartstream-{Guid.NewGuid():N}.wav");
        try
        {
            File.WriteAllBytes(path, Riff(Fmt(Pcm, 1, 2000, 16), Chunk("data", Encode(WavEncoding.Pcm16, [0.25, -0.75]))));

            WavAudio audio = WavReader.Read(path);

            Assert.Equal([0.25f, -0.75f], audio.Samples);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A pipe-like stream: no seeking, no length, short reads.</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private int _pos;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, 7), data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
