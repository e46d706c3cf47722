using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;

namespace HeartStream.Pipeline.Features;

/// <summary>
/// The input of the spectral frame models (the murmur frame model): for every 20-ms frame, the 4 normalised envelope
/// channels the segmenter sees (<see cref="RecordingAnalyzer.PrepareFeatures"/>) followed by the
/// <see cref="SpectrogramSettings.Bins"/> log-power bins of <see cref="StreamingSpectrogram"/>. Training, `analyze`
/// and the live service all build it here, so a model sees the same numbers wherever it runs.
/// <para>Normalisation: the envelope channels arrive normalised by the live normaliser; the spectral bins are z-scored
/// per bin within each model window (<see cref="NormalizeWindow"/>), which a live window of the same length can do
/// exactly as offline.</para>
/// </summary>
public static class SpectralFeatures
{
    /// <summary>Channels per frame: the envelope channels, then the spectral bins.</summary>
    public static int Channels(FeatureSettings envelope, SpectrogramSettings spectrum)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(spectrum);
        return envelope.Channels + spectrum.Bins;
    }

    /// <summary>
    /// Channel-major features [channels, frames] of a whole recording at any sample rate (resampled to 2 kHz first);
    /// <paramref name="frames"/> is the frame count (audio at 2 kHz / 40).
    /// </summary>
    public static float[] ComputeRecording(ReadOnlySpan<float> samples, int sampleRate, FeatureSettings envelope, SpectrogramSettings spectrum, out int frames)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(spectrum);
        float[] audio = sampleRate == AnalysisRate.SampleRate
            ? samples.ToArray()
            : StreamingResampler.Resample(samples, sampleRate, AnalysisRate.SampleRate);
        float[] env = RecordingAnalyzer.PrepareFeatures(audio, AnalysisRate.SampleRate, envelope); // the segmenter's input
        int envFrames = env.Length / envelope.Channels;

        var spectrogram = new StreamingSpectrogram(spectrum);
        int bins = spectrum.Bins;
        var spec = new float[((audio.Length / spectrum.HopSamples) + 1) * bins];
        int specFrames = spectrogram.Process(audio, spec);
        specFrames += spectrogram.Flush(spec.AsSpan(specFrames * bins));

        frames = Math.Min(envFrames, specFrames);
        int ec = envelope.Channels;
        int channels = ec + bins;
        var result = new float[channels * frames];
        for (int t = 0; t < frames; t++)
        {
            for (int c = 0; c < ec; c++)
            {
                result[(c * frames) + t] = env[(t * ec) + c];
            }

            for (int k = 0; k < bins; k++)
            {
                result[((ec + k) * frames) + t] = spec[(t * bins) + k];
            }
        }

        return result;
    }

    /// <summary>
    /// Where the windows of a whole recording start as every path scores it offline (the trainer, `analyze`): windows
    /// of min(window, frames) frames every half window, the last aligned to the end. Offline only (allocates).
    /// </summary>
    public static int[] WindowStarts(int frames, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        int w = Math.Min(window, frames);
        int hop = Math.Max(1, w / 2);
        var starts = new List<int>();
        for (int start = 0; start + w <= frames; start += hop)
        {
            starts.Add(start);
        }

        if (starts[^1] + w < frames)
        {
            starts.Add(frames - w);
        }

        return [.. starts];
    }

    /// <summary>
    /// The windows at <paramref name="starts"/> (each <paramref name="window"/> frames) of channel-major features
    /// [channels, frames], batched [windows, channels, window], each normalised by <see cref="NormalizeWindow"/>.
    /// </summary>
    public static float[] Windows(ReadOnlySpan<float> features, int channels, int frames, IReadOnlyList<int> starts, int window, int firstSpectral)
    {
        ArgumentNullException.ThrowIfNull(starts);
        var x = new float[starts.Count * channels * window];
        for (int i = 0; i < starts.Count; i++)
        {
            Span<float> win = x.AsSpan(i * channels * window, channels * window);
            for (int c = 0; c < channels; c++)
            {
                features.Slice((c * frames) + starts[i], window).CopyTo(win.Slice(c * window, window));
            }

            NormalizeWindow(win, channels, window, firstSpectral);
        }

        return x;
    }

    /// <summary>
    /// Z-scores each spectral channel (channels <paramref name="firstSpectral"/> onwards) of a channel-major window
    /// [channels, frames] in place over the window's frames (population variance, epsilon 1e-3 on the deviation).
    /// Allocates nothing.
    /// </summary>
    public static void NormalizeWindow(Span<float> window, int channels, int frames, int firstSpectral)
    {
        if (window.Length != channels * frames)
        {
            throw new ArgumentException($"Window holds {window.Length} floats, expected {channels} channels × {frames} frames.", nameof(window));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstSpectral);
        for (int c = firstSpectral; c < channels; c++)
        {
            Span<float> row = window.Slice(c * frames, frames);
            double sum = 0;
            for (int t = 0; t < frames; t++)
            {
                sum += row[t];
            }

            double mean = sum / frames;
            double sq = 0;
            for (int t = 0; t < frames; t++)
            {
                double d = row[t] - mean;
                sq += d * d;
            }

            float inv = (float)(1.0 / (Math.Sqrt(sq / frames) + 1e-3));
            float m = (float)mean;
            for (int t = 0; t < frames; t++)
            {
                row[t] = (row[t] - m) * inv;
            }
        }
    }
}
