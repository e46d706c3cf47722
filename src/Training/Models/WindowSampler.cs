namespace HeartStream.Training.Models;

/// <summary>
/// Random crops of <c>window</c> frames from labelled recordings, written channel-major as a [batch, C, window]
/// tensor's data with per-frame targets. Recordings are drawn in proportion to their length (every frame equally likely);
/// a recording shorter than the window is zero-padded with ignored targets. Seeded, so a run is reproducible.
/// </summary>
public sealed class WindowSampler
{
    private readonly IReadOnlyList<LabelledRecording> _recordings;
    private readonly long[] _cumulativeFrames;
    private readonly Random _random;

    public WindowSampler(IReadOnlyList<LabelledRecording> recordings, int channels, int window, int seed)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        if (recordings.Count == 0)
        {
            throw new ArgumentException("the sampler needs at least one recording", nameof(recordings));
        }

        _recordings = recordings;
        Channels = channels;
        Window = window;
        _random = new Random(seed);
        _cumulativeFrames = new long[recordings.Count];
        long total = 0;
        for (int i = 0; i < recordings.Count; i++)
        {
            if (recordings[i].Features.Length != recordings[i].Frames * channels)
            {
                throw new ArgumentException($"recording {recordings[i].Id} has {recordings[i].Features.Length} feature values for {recordings[i].Frames} labelled frames of {channels} channels", nameof(recordings));
            }

            total += Math.Max(1, recordings[i].Frames);
            _cumulativeFrames[i] = total;
        }
    }

    public int Channels { get; }

    public int Window { get; }

    /// <summary>
    /// Fills <paramref name="input"/> (batch × C × window, channel-major per window) and <paramref name="targets"/>
    /// (batch × window) with <paramref name="batch"/> random windows.
    /// </summary>
    public void Fill(int batch, Span<float> input, Span<long> targets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (input.Length != batch * Channels * Window || targets.Length != batch * Window)
        {
            throw new ArgumentException($"expected {batch} x {Channels} x {Window} inputs and {batch} x {Window} targets, got {input.Length} and {targets.Length}");
        }

        for (int b = 0; b < batch; b++)
        {
            long pick = _random.NextInt64(_cumulativeFrames[^1]);
            int index = Array.BinarySearch(_cumulativeFrames, pick + 1);
            index = index < 0 ? ~index : index;
            LabelledRecording r = _recordings[index];
            int start = r.Frames > Window ? _random.Next(r.Frames - Window + 1) : 0;
            CopyWindow(r, start, Channels, input.Slice(b * Channels * Window, Channels * Window), targets.Slice(b * Window, Window));
        }
    }

    /// <summary>Copies frames start.. of a recording into channel-major [C, window], padding with zeros / ignored labels.</summary>
    public static void CopyWindow(LabelledRecording recording, int start, int channels, Span<float> destination, Span<long> targets)
    {
        ArgumentNullException.ThrowIfNull(recording);
        int window = targets.Length;
        destination.Clear();
        targets.Fill(-1);
        int n = Math.Min(window, recording.Frames - start);
        for (int t = 0; t < n; t++)
        {
            int src = (start + t) * channels;
            for (int k = 0; k < channels; k++)
            {
                destination[(k * window) + t] = recording.Features[src + k];
            }

            targets[t] = recording.Labels[start + t];
        }
    }
}
