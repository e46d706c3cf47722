namespace HeartStream.Pipeline.Features;

/// <summary>
/// Raw feature frames of a whole recording (frame-major: <c>Data[frame × Channels + channel]</c>), computed by the
/// same <see cref="StreamingFeatureExtractor"/> the live service runs, then flushed so a recording of n samples
/// has n / 40 frames and frame j describes audio samples [40 j, 40 j + 40). The trainer uses this type.
/// </summary>
public sealed class FeatureMatrix
{
    private readonly float[] _data;

    public FeatureMatrix(float[] data, int frameCount, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        if (data.Length != frameCount * settings.Channels)
        {
            throw new ArgumentException($"Data holds {data.Length} floats, expected {frameCount} frames × {settings.Channels} channels.", nameof(data));
        }

        _data = data;
        FrameCount = frameCount;
        Settings = settings;
    }

    /// <summary>Number of frames.</summary>
    public int FrameCount { get; }

    /// <summary>Channels per frame.</summary>
    public int Channels => Settings.Channels;

    /// <summary>Settings the frames were made with.</summary>
    public FeatureSettings Settings { get; }

    /// <summary>Frame-major values.</summary>
    public Span<float> Data => _data;

    /// <summary>One value.</summary>
    public float this[int frame, int channel] => _data[(frame * Channels) + channel];

    /// <summary>Number of windows <see cref="WriteWindows"/> produces.</summary>
    public int WindowCount => FrameCount < Settings.WindowFrames ? 0 : ((FrameCount - Settings.WindowFrames) / Settings.HopFrames) + 1;

    /// <summary>Runs the streaming extractor over a whole 2 kHz recording and flushes it.</summary>
    public static FeatureMatrix Compute(ReadOnlySpan<float> audio2k, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var extractor = new StreamingFeatureExtractor(settings);
        int total = audio2k.Length / settings.SamplesPerFrame;
        var data = new float[total * settings.Channels];
        int frames = extractor.Process(audio2k, data);
        frames += extractor.Flush(data.AsSpan(frames * settings.Channels));
        System.Diagnostics.Debug.Assert(frames == total, "flush must release every frame");
        return new FeatureMatrix(data, frames, settings);
    }

    /// <summary>A copy z-scored per channel over the whole recording.</summary>
    public FeatureMatrix NormalizedPerChannel()
    {
        var copy = (float[])_data.Clone();
        FeatureNormalizer.ZScoreInPlace(copy, Channels, FrameCount, Settings);
        return new FeatureMatrix(copy, FrameCount, Settings);
    }

    /// <summary>
    /// Writes the model windows (each [Channels × WindowFrames], z-scored per window) exactly as the live
    /// <see cref="FeatureWindower"/> emits them; window k starts at frame k × HopFrames. Returns the count.
    /// </summary>
    public int WriteWindows(Span<float> destination)
    {
        var windower = new FeatureWindower(Settings);
        return windower.Push(_data, destination);
    }

    /// <summary>All windows in one new array (<see cref="WindowCount"/> × Channels × WindowFrames).</summary>
    public float[] ToWindows()
    {
        var result = new float[WindowCount * Settings.WindowLength];
        WriteWindows(result);
        return result;
    }
}
