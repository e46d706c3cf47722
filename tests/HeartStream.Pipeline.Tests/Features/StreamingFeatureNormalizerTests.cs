using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Features;

namespace HeartStream.Pipeline.Tests.Features;

/// <summary>
/// The live normaliser: any chunking equals the whole-recording path, steady state allocates nothing, silence gives
/// finite zeros, the numbers equal a direct z-score over the trailing window, and bad lengths are refused clearly.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class StreamingFeatureNormalizerTests
{
    private const int Channels = 4;

    /// <summary>Seeded frames whose gain and offset drift per channel, like real features do.</summary>
    private static float[] RandomFrames(int frames, int seed)
    {
        var rng = new Random(seed);
        var x = new float[frames * Channels];
        for (int f = 0; f < frames; f++)
        {
            double gain = 1 + (0.5 * Math.Sin(f / 97.0));
            for (int c = 0; c < Channels; c++)
            {
                x[(f * Channels) + c] = (float)((c * 3.0) - 5 + (gain * (rng.NextDouble() - 0.5) * (c + 1)));
            }
        }

        return x;
    }

    private static float[] PushChunked(ReadOnlySpan<float> frames, IReadOnlyList<int> chunkFrames, FeatureSettings settings)
    {
        var normalizer = new StreamingFeatureNormalizer(settings);
        var result = new float[frames.Length];
        int total = frames.Length / Channels;
        int position = 0;
        int written = 0;
        int k = 0;
        while (position < total)
        {
            int n = Math.Min(Math.Max(1, chunkFrames[k++ % chunkFrames.Count]), total - position);
            written += normalizer.Push(frames.Slice(position * Channels, n * Channels), result.AsSpan(written * Channels));
            position += n;
        }

        written += normalizer.Flush(result.AsSpan(written * Channels));
        Assert.Equal(total, written);
        return result;
    }

    /// <summary>
    /// The definition, written independently of the ring buffer: frame f belongs to the block ending at
    /// e = min((f / B + 1)·B, N); it is z-scored with the population mean and standard deviation of frames
    /// [max(0, e − W), e), the standard deviation floored at max(ε, relative floor·|mean|).
    /// </summary>
    private static double[] DirectZScore(float[] frames, FeatureSettings settings)
    {
        int n = frames.Length / Channels;
        int w = settings.WindowFrames;
        int b = settings.NormalizationBlockFrames;
        var result = new double[frames.Length];
        for (int f = 0; f < n; f++)
        {
            int end = Math.Min(((f / b) + 1) * b, n);
            int start = Math.Max(0, end - w);
            for (int c = 0; c < Channels; c++)
            {
                double mean = 0;
                for (int t = start; t < end; t++)
                {
                    mean += frames[(t * Channels) + c];
                }

                mean /= end - start;
                double variance = 0;
                for (int t = start; t < end; t++)
                {
                    double d = frames[(t * Channels) + c] - mean;
                    variance += d * d;
                }

                double std = Math.Max(Math.Sqrt(variance / (end - start)), Math.Max(settings.NormalizationEpsilon, settings.NormalizationRelativeFloor * Math.Abs(mean)));
                result[(f * Channels) + c] = (frames[(f * Channels) + c] - mean) / std;
            }
        }

        return result;
    }

    [Fact]
    public void Push_RandomChunkSizes_BitwiseEqualToNormalizeRecording()
    {
        float[] x = RandomFrames(700, seed: 3); // 700 frames: several full windows and a partial last block
        float[] whole = StreamingFeatureNormalizer.NormalizeRecording(x, FeatureSettings.Default);
        Prop.ForAll(Gen.Choose(1, 400).ListOf().ToArbitrary(), sizes =>
        {
            float[] chunked = PushChunked(x, sizes.Count == 0 ? [1] : [.. sizes], FeatureSettings.Default);
            return whole.AsSpan().SequenceEqual(chunked);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Push_OneFrameAtATime_BitwiseEqualToNormalizeRecording()
    {
        float[] x = RandomFrames(613, seed: 4);
        float[] whole = StreamingFeatureNormalizer.NormalizeRecording(x, FeatureSettings.Default);
        Assert.True(whole.AsSpan().SequenceEqual(PushChunked(x, [1], FeatureSettings.Default)));
    }

    [Fact]
    public void Push_SteadyState_AllocatesNothing()
    {
        float[] x = RandomFrames(600, seed: 5);
        var normalizer = new StreamingFeatureNormalizer(FeatureSettings.Default);
        var output = new float[normalizer.MaxOutputFrames(600) * Channels];
        normalizer.Push(x, output); // warm up (JIT, tiering)
        normalizer.Push(x, output);
        long allocated = SteadyState.LeastAllocated(4, round =>
        {
            for (int i = 0; i < 5; i++)
            {
                normalizer.Push(x.AsSpan(0, 7 * Channels), output);
                normalizer.Push(x.AsSpan(0, 93 * Channels), output);
            }

            if (round == 3)
            {
                normalizer.Flush(output);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void NormalizeRecording_AllZeroFrames_FiniteZeros()
    {
        float[] result = StreamingFeatureNormalizer.NormalizeRecording(new float[300 * Channels], FeatureSettings.Default);
        Assert.All(result, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void NormalizeRecording_ConstantLogFloorFrames_FiniteZeros()
    {
        // What silence looks like after the extractor: every channel stuck at one value (log of the floor, or 0).
        float[] x = new float[300 * Channels];
        for (int f = 0; f < 300; f++)
        {
            x[f * Channels] = (float)Math.Log(FeatureSettings.Default.LogFloor);
            x[(f * Channels) + 1] = 1e-7f;
        }

        float[] result = StreamingFeatureNormalizer.NormalizeRecording(x, FeatureSettings.Default);
        Assert.All(result, v => Assert.True(float.IsFinite(v) && Math.Abs(v) < 1e-6, $"{v} is not a finite zero"));
    }

    [Fact]
    public void NormalizeRecording_HandComputedCase_MatchesTrailingWindowZScore()
    {
        // W = 4, B = 2; channel 0 is 1..6.
        //   block 1 (frames 0,1): window {1,2},     mean 1.5, std 0.5            → -1, 1
        //   block 2 (frames 2,3): window {1,2,3,4}, mean 2.5, std √1.25 = 1.1180 → 0.4472, 1.3416
        //   block 3 (frames 4,5): window {3,4,5,6}, mean 4.5, std 1.1180         → 0.4472, 1.3416
        // Channel 1 is the constant 7: std 0 floored to 1e-3·7, value − mean = 0 → 0.
        var settings = FeatureSettings.Default with { WindowFrames = 4, HopFrames = 2, NormalizationBlockFrames = 2 };
        var x = new float[6 * Channels];
        for (int f = 0; f < 6; f++)
        {
            x[f * Channels] = f + 1;
            x[(f * Channels) + 1] = 7;
        }

        float[] result = StreamingFeatureNormalizer.NormalizeRecording(x, settings);
        double[] expected = [-1, 1, 0.4472136, 1.3416408, 0.4472136, 1.3416408];
        for (int f = 0; f < 6; f++)
        {
            Assert.Equal(expected[f], result[f * Channels], 5);
            Assert.Equal(0, result[(f * Channels) + 1], 6);
        }
    }

    [Fact]
    public void NormalizeRecording_RandomFramesDefaultSettings_EqualsDirectTrailingWindowZScore()
    {
        float[] x = RandomFrames(777, seed: 6);
        float[] result = StreamingFeatureNormalizer.NormalizeRecording(x, FeatureSettings.Default);
        double[] expected = DirectZScore(x, FeatureSettings.Default);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(result[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"frame {i / Channels} channel {i % Channels}: {result[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Push_PartialFrame_ThrowsNamingTheChannelCount()
    {
        var normalizer = new StreamingFeatureNormalizer(FeatureSettings.Default);
        var e = Assert.Throws<ArgumentException>(() => normalizer.Push(new float[10], new float[100]));
        Assert.Contains("not whole frames of 4 channels", e.Message, StringComparison.Ordinal);
        Assert.Equal("frames", e.ParamName);
    }

    [Fact]
    public void Push_OutputTooSmall_ThrowsNamingTheSizes()
    {
        var normalizer = new StreamingFeatureNormalizer(FeatureSettings.Default);
        var e = Assert.Throws<ArgumentException>(() => normalizer.Push(new float[30 * Channels], new float[10]));
        Assert.Contains("Output holds 10 floats; 100 will be released", e.Message, StringComparison.Ordinal);
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void Flush_OutputTooSmall_ThrowsNamingTheSizes()
    {
        var normalizer = new StreamingFeatureNormalizer(FeatureSettings.Default);
        Assert.Equal(0, normalizer.Push(new float[10 * Channels], new float[100]));
        var e = Assert.Throws<ArgumentException>(() => normalizer.Flush(new float[8]));
        Assert.Contains("Output holds 8 floats; 40 will be released", e.Message, StringComparison.Ordinal);
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void NormalizeRecording_PartialFrame_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => StreamingFeatureNormalizer.NormalizeRecording(new float[4 * 9 + 3], FeatureSettings.Default));
        Assert.Contains("39 floats are not whole frames", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidSettings_ThrowsNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new StreamingFeatureNormalizer(FeatureSettings.Default with { NormalizationBlockFrames = 0 }));
        Assert.Contains("NormalizationBlockFrames", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new StreamingFeatureNormalizer(null!));
    }
}
