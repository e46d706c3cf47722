using HeartStream.Capture.Audio;
using static HeartStream.Capture.Tests.Audio.WavBytes;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>Every way a file can be unreadable must fail with a message naming the file and the problem.</summary>
public class WavReaderBadFileTests
{
    private const string Name = "bad-file.wav";

    private static byte[] GoodData => Chunk("data", Encode(WavEncoding.Pcm16, [0.5, -0.5]));

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "empty file", [], "empty" },
        { "RIFF header cut", "RIFF\u0010\0"u8.ToArray(), "truncated RIFF header" },
        { "RIFF header cut before form", "RIFF\u0010\0\0\0WA"u8.ToArray(), "truncated RIFF header" },
        { "not RIFF", "OggS\0\u0002\0\0\0\0\0\0\0\0\0\0"u8.ToArray(), "not a RIFF/WAVE file: it starts with 'OggS'" },
        { "RIFF but not WAVE", Riff([GoodData], form: "AVI "), "form 'AVI ', not 'WAVE'" },
        { "chunk header cut", [.. Riff(Fmt(Pcm, 1, 4000, 16)), .. "dat"u8], "truncated chunk header" },
        { "fmt chunk cut", Riff(Fmt(Pcm, 1, 4000, 16))[..30], "truncated fmt chunk: it declares 16 bytes but the file ends after 10" },
        { "fmt chunk too small", Riff(Chunk("fmt ", new byte[14]), GoodData), "fmt chunk is 14 bytes; at least 16" },
        { "unknown chunk cut before data", Riff(Fmt(Pcm, 1, 4000, 16), Chunk("LIST", new byte[4], declaredSize: 400)), "truncated chunk" },
        { "no fmt", Riff(Chunk("LIST", new byte[4])), "no fmt chunk" },
        { "data before fmt", Riff(GoodData, Fmt(Pcm, 1, 4000, 16)), "before any fmt chunk" },
        { "no data", Riff(Fmt(Pcm, 1, 4000, 16), Chunk("LIST", new byte[4])), "no data chunk" },
        { "two data chunks", Riff(Fmt(Pcm, 1, 4000, 16), GoodData, GoodData), "second data chunk" },
        { "mu-law", Riff(Fmt(7, 1, 8000, 8), GoodData), "0x0007 (mu-law)" },
        { "IMA ADPCM", Riff(Fmt(0x11, 1, 8000, 4, blockAlign: 256), GoodData), "IMA ADPCM" },
        { "Microsoft ADPCM", Riff(Fmt(2, 1, 8000, 4, blockAlign: 256), GoodData), "Microsoft ADPCM" },
        { "extensible with ADPCM sub-format", Riff(FmtExtensible(2, 1, 8000, 16, 16), GoodData), "0x0002 (Microsoft ADPCM)" },
        { "zero channels", Riff(Fmt(Pcm, 0, 4000, 16, blockAlign: 2), GoodData), "0 channels" },
        { "sample rate 0", Riff(Fmt(Pcm, 1, 0, 16), GoodData), "absurd sample rate 0 Hz" },
        { "sample rate 2 MHz", Riff(Fmt(Pcm, 1, 2_000_000, 16), GoodData), "absurd sample rate 2000000 Hz" },
        { "block align mismatch", Riff(Fmt(Pcm, 2, 4000, 16, blockAlign: 2), GoodData), "block align mismatch" },
        { "12-bit PCM", Riff(Fmt(Pcm, 1, 4000, 12, blockAlign: 2), GoodData), "PCM bit depth 12" },
        { "16-bit float", Riff(Fmt(IeeeFloat, 1, 4000, 16), GoodData), "IEEE float bit depth 16" },
        { "NaN sample", Riff(Fmt(IeeeFloat, 1, 4000, 32), Chunk("data", Encode(WavEncoding.Float32, [0.5, double.NaN]))), "non-finite sample (NaN or infinity) in frame 1" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_BadFile_ThrowsNamingFileAndProblem(string why, byte[] file, string expectedProblem)
    {
        var ex = Assert.Throws<WavFormatException>(() => Read(file, Name));

        Assert.True(ex.Message.Contains(Name, StringComparison.Ordinal), $"{why}: message '{ex.Message}' does not name the file");
        Assert.True(ex.Message.Contains(expectedProblem, StringComparison.Ordinal), $"{why}: message '{ex.Message}' does not say '{expectedProblem}'");
        Assert.Equal(Name, ex.SourceName);
    }

    [Fact]
    public void Read_TruncatedFileOnDisk_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"heartstream-cut-{Guid.NewGuid():N}.wav");
        try
        {
            File.WriteAllBytes(path, Riff(Fmt(Pcm, 1, 4000, 16))[..20]);

            var ex = Assert.Throws<WavFormatException>(() => WavReader.Read(path));

            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<IOException>(ex);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
