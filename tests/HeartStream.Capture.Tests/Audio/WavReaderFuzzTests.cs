using FsCheck;
using FsCheck.Fluent;
using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>
/// Fuzzing the WAV readers (FsCheck): random bytes and mutations of a real recording's file (samples/, CirCor
/// 13918_AV, cut to 0.5 s) either decode or fail with <see cref="WavFormatException"/> naming the file; never any
/// other exception, never a non-finite sample. Whole-file and block readers agree on every case.
/// </summary>
public sealed class WavReaderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 2000;
    private static readonly byte[] s_real = RealHead();

    [Fact]
    public void Read_RandomBytes_DecodesOrWavFormatException()
    {
        var tally = new Tally();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), Prop.ForAll(
            Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary(),
            bytes => Agree(bytes, tally)));
        output.WriteLine($"{Cases} random files: {tally.Decoded} decoded, {tally.Rejected} rejected, 0 other exceptions");
    }

    [Fact]
    public void Read_MutatedRealFile_DecodesOrWavFormatException()
    {
        var tally = new Tally();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), Prop.ForAll(
            Gen.Choose(0, 80).ToArbitrary(),                 // header bytes are where the parser's decisions are
            Gen.Choose(0, 1023).ToArbitrary(),              // the byte written and how many further bytes change
            Gen.Choose(0, 2 * s_real.Length).ToArbitrary(),          // past the length: not cut (half the cases)
            (index, choice, cut) =>
            {
                int value = choice % 256, flips = choice / 256;
                byte[] m = (byte[])s_real.Clone();
                for (int f = 0; f <= flips; f++)
                {
                    m[(index + (f * 13)) % 96] = (byte)(value + (f * 71));
                }

                return Agree(m[..Math.Min(cut, m.Length)], tally);
            }));
        output.WriteLine($"{Cases} mutated real files: {tally.Decoded} decoded, {tally.Rejected} rejected, 0 other exceptions");
    }

    private static bool Agree(byte[] file, Tally tally)
    {
        float[]? whole = Outcome(() => WavReader.Read(new MemoryStream(file), "fuzz.wav").Samples);
        float[]? blocks = Outcome(() =>
        {
            using var reader = new WavStreamReader(new MemoryStream(file), "fuzz.wav");
            var all = new List<float>();
            var buffer = new float[37];
            int n;
            while ((n = reader.Read(buffer)) > 0)
            {
                all.AddRange(buffer.AsSpan(0, n));
            }

            return all.ToArray();
        });
        if (whole is null)
        {
            tally.Rejected++;
        }
        else
        {
            tally.Decoded++;
        }

        bool same = whole is null ? blocks is null : blocks is not null && whole.AsSpan().SequenceEqual(blocks);
        return same && (whole is null || whole.All(float.IsFinite));
    }

    /// <summary>The samples, or null for a <see cref="WavFormatException"/> naming the file; any other exception escapes and fails the property.</summary>
    private static float[]? Outcome(Func<float[]> read)
    {
        try
        {
            return read();
        }
        catch (WavFormatException e) when (e.SourceName == "fuzz.wav")
        {
            return null;
        }
    }

    private static byte[] RealHead()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav"));
        WavAudio audio = WavReader.Read(new MemoryStream(bytes), "real");
        float[] half = audio.Samples[..(audio.SampleRate / 2)];
        return TestWav.Bytes(half, audio.SampleRate, float32: false);
    }

    private sealed class Tally
    {
        public int Decoded { get; set; }

        public int Rejected { get; set; }
    }
}
