namespace HeartStream.Pipeline.Features;

/// <summary>
/// Per-channel z-scoring shared by the windower (serving and training windows) and by whole-recording
/// normalisation. The standard deviation is floored at max(epsilon, relativeFloor × mean magnitude), so a silent
/// or constant channel gives zeros rather than NaN or amplified rounding noise. Sums run in double.
/// </summary>
public static class FeatureNormalizer
{
    /// <summary>
    /// Z-scores <paramref name="frameCount"/> chronological frame-major frames into channel-major
    /// <paramref name="channelMajor"/> ([channel × frameCount]).
    /// </summary>
    public static void ZScoreToChannelMajor(ReadOnlySpan<float> frameMajor, int channels, int frameCount, Span<float> channelMajor, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Check(frameMajor.Length, channels, frameCount);
        if (channelMajor.Length < channels * frameCount)
        {
            throw new ArgumentException($"Destination holds {channelMajor.Length} floats, needs {channels * frameCount}.", nameof(channelMajor));
        }

        for (int c = 0; c < channels; c++)
        {
            (double mean, double scale) = Stats(frameMajor, channels, frameCount, c, settings);
            Span<float> row = channelMajor.Slice(c * frameCount, frameCount);
            for (int f = 0; f < frameCount; f++)
            {
                row[f] = (float)((frameMajor[(f * channels) + c] - mean) * scale);
            }
        }
    }

    /// <summary>Z-scores each channel of frame-major data in place (whole-recording normalisation).</summary>
    public static void ZScoreInPlace(Span<float> frameMajor, int channels, int frameCount, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Check(frameMajor.Length, channels, frameCount);
        for (int c = 0; c < channels; c++)
        {
            (double mean, double scale) = Stats(frameMajor, channels, frameCount, c, settings);
            for (int f = 0; f < frameCount; f++)
            {
                int i = (f * channels) + c;
                frameMajor[i] = (float)((frameMajor[i] - mean) * scale);
            }
        }
    }

    private static void Check(int length, int channels, int frameCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        if (length < channels * frameCount)
        {
            throw new ArgumentException($"Frames hold {length} floats, expected {frameCount} frames × {channels} channels.");
        }
    }

    private static (double Mean, double Scale) Stats(ReadOnlySpan<float> frameMajor, int channels, int frameCount, int c, FeatureSettings settings)
    {
        if (frameCount == 0)
        {
            return (0, 0);
        }

        double sum = 0;
        for (int f = 0; f < frameCount; f++)
        {
            sum += frameMajor[(f * channels) + c];
        }

        double mean = sum / frameCount;
        double squares = 0;
        for (int f = 0; f < frameCount; f++)
        {
            double d = frameMajor[(f * channels) + c] - mean;
            squares += d * d;
        }

        double std = Math.Sqrt(squares / frameCount);
        double floor = Math.Max(settings.NormalizationEpsilon, settings.NormalizationRelativeFloor * Math.Abs(mean));
        return (mean, 1.0 / Math.Max(std, floor));
    }
}
