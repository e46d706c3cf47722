using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using NAudio.Wave;
using static HeartStream.Capture.Tests.Audio.WavBytes;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>
/// Our reader on files written by NAudio.Core (an independent writer), and the cases for which HeartStream keeps its
/// own reader rather than NAudio's <see cref="WaveFileReader"/>: if NAudio starts handling them, these tests fail and
/// say that the reader can move to it. Synthetic sample values.
/// </summary>
public class NAudioInteropTests
{
    [Fact]
    public void NAudioFloat32File_ReadsBitExact()
    {
        float[] samples = Enumerable.Range(0, 1001).Select(i => MathF.Sin(i * 0.37f) * 1.5f).ToArray();

        WavAudio audio = WavReader.Read(new MemoryStream(TestWav.Bytes(samples, 4000, float32: true)), "naudio.wav");

        Assert.Equal(WavEncoding.Float32, audio.Encoding);
        Assert.Equal(4000, audio.SampleRate);
        Assert.Equal(samples, audio.Samples);
    }

    [Fact]
    public void NAudioPcm16File_ReadsWithinHalfStep()
    {
        float[] samples = Enumerable.Range(0, 999).Select(i => MathF.Sin(i * 0.11f) * 0.9f).ToArray();

        WavAudio audio = WavReader.Read(new MemoryStream(TestWav.Bytes(samples, 2000, float32: false)), "naudio.wav");

        Assert.Equal(WavEncoding.Pcm16, audio.Encoding);
        Assert.Equal(samples.Length, audio.Samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.True(Math.Abs(audio.Samples[i] - samples[i]) <= (0.5 / 32768) + 1e-9, $"sample {i}: {audio.Samples[i]} vs {samples[i]}");
        }
    }

    [Fact]
    public void NAudioExtensibleStereo24BitFile_AveragesChannels()
    {
        // NAudio writes WAVE_FORMAT_EXTENSIBLE for this format; left = +0.5, right = -0.25 in 24-bit.
        using var ms = new MemoryStream();
        using (var writer = new WaveFileWriter(ms, new WaveFormatExtensible(8000, 24, 2)))
        {
            byte[] frame = [0x00, 0x00, 0x40, 0x00, 0x00, 0xE0];
            for (int i = 0; i < 10; i++)
            {
                writer.Write(frame, 0, frame.Length);
            }
        }

        WavAudio audio = WavReader.Read(new MemoryStream(ms.ToArray()), "naudio-ext.wav");

        Assert.Equal(WavEncoding.Pcm24, audio.Encoding);
        Assert.Equal(2, audio.Channels);
        Assert.All(audio.Samples, s => Assert.Equal(0.125f, s));
    }

    [Fact]
    public void TruncatedDataChunk_NAudioReturnsAPartialReadSilently_OursRefuses()
    {
        byte[] file = Riff(Fmt(Pcm, 1, 4000, 16), Chunk("data", Encode(WavEncoding.Pcm16, [0.5, -0.5, 0.25, 0.125])));
        byte[] cut = file[..^4]; // the last two of four samples are missing, the header still says four

        using (var naudio = new WaveFileReader(new MemoryStream(cut)))
        {
            Assert.Equal(2, naudio.SampleCount); // NAudio: two samples, no error
        }

        var ex = Assert.Throws<WavFormatException>(() => WavReader.Read(new MemoryStream(cut), "cut.wav"));
        Assert.Contains("truncated data chunk: it declares 8 bytes but the file ends after 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamingRecorderPlaceholderSizes_NAudioFindsNoFmt_OursReadsToTheEnd()
    {
        // A recorder cut off before it could write the sizes: RIFF size 0, data size 0xFFFFFFFF.
        byte[] file = Riff([Fmt(Pcm, 1, 4000, 16), Chunk("data", Encode(WavEncoding.Pcm16, [0.5, -0.5]), declaredSize: uint.MaxValue)], riffSize: 0);

        Assert.ThrowsAny<FormatException>(() => new WaveFileReader(new MemoryStream(file)));

        Assert.Equal([0.5f, -0.5f], WavReader.Read(new MemoryStream(file), "live.wav").Samples);
    }

    [Fact]
    public void NonSeekableStream_NAudioCannotRead_OursReads()
    {
        // A pipe (stdin, a socket): NAudio's header reader asks for the stream's length and position.
        byte[] file = Riff(Fmt(Pcm, 1, 4000, 16), Chunk("data", Encode(WavEncoding.Pcm16, [0.5, -0.5])));

        Assert.ThrowsAny<NotSupportedException>(() => new WaveFileReader(new PipeStream(file)));

        Assert.Equal([0.5f, -0.5f], WavReader.Read(new PipeStream(file), "pipe").Samples);
    }

    [Fact]
    public void BadFile_NAudioErrorDoesNotNameTheFile_OursDoes()
    {
        byte[] ogg = "OggS\0\u0002\0\0\0\0\0\0\0\0\0\0"u8.ToArray();

        var naudio = Assert.ThrowsAny<Exception>(() => new WaveFileReader(new MemoryStream(ogg)));
        var ours = Assert.Throws<WavFormatException>(() => WavReader.Read(new MemoryStream(ogg), "bed-12.wav"));

        Assert.DoesNotContain("OggS", naudio.Message, StringComparison.Ordinal);
        Assert.Equal("WAV 'bed-12.wav': not a RIFF/WAVE file: it starts with 'OggS' instead of 'RIFF'", ours.Message);
    }

    /// <summary>A read-only, forward-only stream, as a pipe is.</summary>
    private sealed class PipeStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
