using FsCheck;
using FsCheck.Fluent;
using HeartStream.Capture.Audio;
using Xunit.Abstractions;

namespace HeartStream.Capture.Tests.Audio;

[Collection(AllocationCollection.Name)]
public class StreamingResamplerTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> Ratios => new()
    {
        { 44100, 2000 },
        { 48000, 2000 },
        { 8000, 2000 },
        { 4000, 2000 },
        { 1000, 2000 },
        { 48000, 44100 },
    };

    [Theory]
    [MemberData(nameof(Ratios))]
    public void Process_RandomChunkSizes_SameAsWholeInput(int inRate, int outRate)
    {
        float[] x = Noise(3000, seed: inRate);
        float[] whole = RunChunked(new StreamingResampler(inRate, outRate), x, [x.Length]);
        var resampler = new StreamingResampler(inRate, outRate);
        Arbitrary<int[]> chunkSizes = Gen.Choose(0, 700).ArrayOf().Where(a => a.Length > 0).ToArbitrary();

        Property property = Prop.ForAll(chunkSizes, chunks => RunChunked(resampler, x, chunks).AsSpan().SequenceEqual(whole));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    [Theory]
    [MemberData(nameof(Ratios))]
    public void Process_SteadyState_DoesNotAllocate(int inRate, int outRate)
    {
        var resampler = new StreamingResampler(inRate, outRate);
        float[] x = Noise(inRate / 10, seed: 3);
        float[] y = new float[resampler.MaxOutput(x.Length)];
        for (int i = 0; i < 50; i++)
        {
            resampler.Process(x, y); // warm-up: JIT, past tiered compilation's call-count threshold (30)
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int produced = 0;
        for (int i = 0; i < 20; i++)
        {
            produced += resampler.Process(x, y);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(produced > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Process_SameRate_PassesThroughExactly()
    {
        float[] x = Noise(1234, seed: 7);
        var resampler = new StreamingResampler(2000, 2000);
        float[] y = new float[resampler.MaxOutput(x.Length)];

        int n = resampler.Process(x, y);

        Assert.Equal(x.Length, n);
        Assert.Equal(x, y);
        Assert.Equal(0, resampler.Flush([]));
        Assert.Equal(x, StreamingResampler.Resample(x, 4000, 4000));
    }

    [Theory]
    [InlineData(44100, 2000, 44100)]
    [InlineData(44100, 2000, 12345)]
    [InlineData(4000, 2000, 4001)]
    [InlineData(1000, 2000, 777)]
    [InlineData(8000, 2000, 3)]
    [InlineData(48000, 44100, 4799)]
    public void Resample_AnyLength_GivesRoundedLength(int inRate, int outRate, int length)
    {
        float[] y = StreamingResampler.Resample(Noise(length, seed: 1), inRate, outRate);

        Assert.Equal((int)Math.Round((double)length * outRate / inRate, MidpointRounding.AwayFromZero), y.Length);
    }

    [Theory]
    [MemberData(nameof(Ratios))]
    public void ProcessAndFlush_Streamed_EqualsOfflineResample(int inRate, int outRate)
    {
        float[] x = Noise(2500, seed: 11);
        var resampler = new StreamingResampler(inRate, outRate);
        float[] first = RunChunked(resampler, x, [100, 333]);
        float[] second = RunChunked(resampler, x, [1000]); // Flush reset the state: a fresh stream

        float[] offline = StreamingResampler.Resample(x, inRate, outRate);

        Assert.Equal(offline, first);
        Assert.Equal(offline, second);
    }

    [Theory]
    // Tones at or above the output Nyquist (1000 Hz for 2000 Hz out), i.e. in the stop-band from 0.5·min(rate).
    [InlineData(4000, 2000, 1000)]
    [InlineData(4000, 2000, 1100)]
    [InlineData(4000, 2000, 1500)]
    [InlineData(4000, 2000, 1990)]
    [InlineData(8000, 2000, 1010)]
    [InlineData(8000, 2000, 3000)]
    [InlineData(44100, 2000, 1000)]
    [InlineData(44100, 2000, 1234)]
    [InlineData(44100, 2000, 5000)]
    [InlineData(44100, 2000, 20000)]
    [InlineData(48000, 2000, 1050)]
    [InlineData(48000, 44100, 22050)]
    public void Resample_ToneInStopBand_AttenuatedBy80Db(int inRate, int outRate, double toneHz)
    {
        const double amplitude = 0.5;
        float[] x = Tone(inRate, toneHz, amplitude, seconds: 0.5);

        float[] y = StreamingResampler.Resample(x, inRate, outRate);

        int trim = Trim(inRate, outRate);
        double rms = Rms(y.AsSpan(trim, y.Length - (2 * trim)));
        double db = 20 * Math.Log10(rms / (amplitude / Math.Sqrt(2)));
        output.WriteLine($"{inRate}->{outRate} Hz, tone {toneHz} Hz: {db:F1} dB");
        Assert.True(db < -80, $"tone {toneHz} Hz leaks at {db:F1} dB");
    }

    [Fact]
    public void Resample_Upsampling_ImagesAttenuatedBy80Db()
    {
        // 1000 -> 2000 Hz: a 400 Hz tone must come out alone; its image at 600 Hz must be gone.
        float[] x = Tone(1000, 400, 0.5, seconds: 1);

        float[] y = StreamingResampler.Resample(x, 1000, 2000);

        int trim = Trim(1000, 2000);
        float[] ideal = Tone(2000, 400, 0.5, seconds: 1);
        double err = Rms(Subtract(y, ideal).AsSpan(trim, y.Length - (2 * trim)));
        double db = 20 * Math.Log10(err / (0.5 / Math.Sqrt(2)));
        output.WriteLine($"1000->2000, 400 Hz tone, residual (image + pass-band error): {db:F1} dB");
        Assert.True(db < -80, $"residual {db:F1} dB");
    }

    [Theory]
    // Pass-band tones up to 0.45·min(rate): output must equal the ideal tone at the output instants,
    // which checks gain, flatness and the group-delay compensation (any shift would show up here).
    [InlineData(4000, 2000, 20)]
    [InlineData(4000, 2000, 500)]
    [InlineData(4000, 2000, 900)]
    [InlineData(8000, 2000, 700)]
    [InlineData(44100, 2000, 100)]
    [InlineData(44100, 2000, 900)]
    [InlineData(48000, 2000, 850)]
    [InlineData(1000, 2000, 450)]
    [InlineData(48000, 44100, 19000)]
    public void Resample_ToneInPassBand_MatchesIdealToneAligned(int inRate, int outRate, double toneHz)
    {
        const double amplitude = 0.5;
        float[] x = Tone(inRate, toneHz, amplitude, seconds: 0.5);

        float[] y = StreamingResampler.Resample(x, inRate, outRate);

        float[] ideal = Tone(outRate, toneHz, amplitude, seconds: 0.5);
        int trim = Trim(inRate, outRate);
        double err = Rms(Subtract(y, ideal).AsSpan(trim, y.Length - (2 * trim)));
        double db = 20 * Math.Log10(err / (amplitude / Math.Sqrt(2)));
        output.WriteLine($"{inRate}->{outRate} Hz, tone {toneHz} Hz: error {db:F1} dB");
        Assert.True(db < -80, $"pass-band tone {toneHz} Hz is off by {db:F1} dB");
    }

    [Fact]
    public void Process_OutputTooSmall_Throws()
    {
        var resampler = new StreamingResampler(4000, 2000);

        var ex = Assert.Throws<ArgumentException>(() => resampler.Process(new float[100], new float[10]));

        Assert.Contains("51", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 2000)]
    [InlineData(2000, -1)]
    public void Constructor_BadRate_Throws(int inRate, int outRate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingResampler(inRate, outRate));
    }

    [Fact]
    public void Constructor_44100To2000_Uses20Over441Polyphase()
    {
        var resampler = new StreamingResampler(44100, 2000);

        output.WriteLine($"44100->2000: {resampler.TapsPerPhase} taps per phase, latency {resampler.LatencyInputSamples:F1} input samples");
        Assert.Equal(1 + ((long)int.MaxValue * 20 / 441), resampler.MaxOutput(int.MaxValue));
    }

    internal static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.5f).ToArray();
    }

    private static float[] RunChunked(StreamingResampler resampler, float[] x, int[] chunks)
    {
        var result = new List<float>();
        int pos = 0;
        int c = 0;
        while (pos < x.Length)
        {
            int size = Math.Min(chunks[c++ % chunks.Length], x.Length - pos);
            float[] y = new float[resampler.MaxOutput(size)];
            int n = resampler.Process(x.AsSpan(pos, size), y);
            result.AddRange(y.AsSpan(0, n));
            pos += size;
            if (c > 100_000)
            {
                size = x.Length - pos; // all chunk sizes 0: feed the rest in one go
                y = new float[resampler.MaxOutput(size)];
                n = resampler.Process(x.AsSpan(pos, size), y);
                result.AddRange(y.AsSpan(0, n));
                pos += size;
            }
        }

        float[] tail = new float[resampler.FlushLength];
        int t = resampler.Flush(tail);
        result.AddRange(tail.AsSpan(0, t));
        return [.. result];
    }

    private static float[] Tone(int rate, double hz, double amplitude, double seconds) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => (float)(amplitude * Math.Cos((2 * Math.PI * hz * i / rate) + 0.3))).ToArray();

    /// <summary>Output samples to ignore at each end: twice the filter's reach, where the onset of the signal rings.</summary>
    private static int Trim(int inRate, int outRate) =>
        (int)Math.Ceiling(2 * new StreamingResampler(inRate, outRate).LatencyInputSamples * outRate / inRate) + 4;

    private static float[] Subtract(float[] a, float[] b) => a.Zip(b, (p, q) => p - q).ToArray();

    private static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum / x.Length);
    }
}
