namespace HeartStream.Capture.Audio;

/// <summary>
/// A decoded WAV recording: mono samples (channels averaged) scaled to the nominal range [-1, 1],
/// plus what the file said about itself. Kept as a plain array because every consumer (replay,
/// training, analysis) wants the whole recording as one contiguous buffer.
/// </summary>
public sealed class WavAudio
{
    public WavAudio(float[] samples, int sampleRate, int channels, WavEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Samples = samples;
        SampleRate = sampleRate;
        Channels = channels;
        Encoding = encoding;
    }

    /// <summary>Mono samples: the average of all channels of each frame, scaled to [-1, 1].</summary>
#pragma warning disable CA1819 // The decoded recording is handed over as-is; a copy per access would double memory.
    public float[] Samples { get; }
#pragma warning restore CA1819

    /// <summary>Sample (frame) rate in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Channel count of the original file, before the down-mix.</summary>
    public int Channels { get; }

    /// <summary>Sample encoding of the original file.</summary>
    public WavEncoding Encoding { get; }

    /// <summary>Length in seconds: frames / sample rate.</summary>
    public double DurationSeconds => (double)Samples.Length / SampleRate;
}
