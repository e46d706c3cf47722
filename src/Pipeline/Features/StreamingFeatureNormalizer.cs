namespace HeartStream.Pipeline.Features;

/// <summary>
/// Live per-window normalisation of feature frames: frames are released in blocks of
/// <see cref="FeatureSettings.NormalizationBlockFrames"/>, each channel of a block z-scored with the mean and standard
/// deviation of the trailing <see cref="FeatureSettings.WindowFrames"/> frames that end with that block (fewer at the
/// start of a stream). Recordings vary in gain by 40 dB and drift within a stream, so features must be relative to
/// their own recent past; a trailing window keeps the look-ahead to one block (0.5 s) instead of a whole window,
/// which a centred window would need. Training runs the same object over whole recordings, so a model sees exactly
/// the numbers the live service computes. The standard deviation is floored as in <see cref="FeatureNormalizer"/>,
/// so silence gives zeros, not NaN. Allocation-free after construction; any chunking of the input gives the same
/// output.
/// </summary>
public sealed class StreamingFeatureNormalizer
{
    private readonly int _channels;
    private readonly int _window;
    private readonly int _block;
    private readonly double _epsilon;
    private readonly double _relativeFloor;
    private readonly float[] _ring;   // last _window frames, frame-major, slot = frame index % _window
    private long _frames;             // frames pushed so far
    private int _pending;             // frames of the current, not yet released block

    public StreamingFeatureNormalizer(FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _channels = settings.Channels;
        _window = settings.WindowFrames;
        _block = settings.NormalizationBlockFrames;
        _epsilon = settings.NormalizationEpsilon;
        _relativeFloor = settings.NormalizationRelativeFloor;
        _ring = new float[_window * _channels];
    }

    /// <summary>Frames released so far lag the frames pushed by at most this many frames.</summary>
    public int LatencyFrames => _block - 1;

    /// <summary>Upper bound of frames one <see cref="Push"/> of <paramref name="inputFrames"/> can release.</summary>
    public int MaxOutputFrames(int inputFrames) => inputFrames + _block - 1;

    /// <summary>
    /// Pushes frame-major frames; writes every completed block, normalised, to <paramref name="output"/> (frame-major)
    /// and returns the number of frames written.
    /// </summary>
    public int Push(ReadOnlySpan<float> frames, Span<float> output)
    {
        if (frames.Length % _channels != 0)
        {
            throw new ArgumentException($"{frames.Length} floats are not whole frames of {_channels} channels.", nameof(frames));
        }

        int count = frames.Length / _channels;
        int releasable = (count + _pending) / _block * _block * _channels;
        if (output.Length < releasable)
        {
            throw new ArgumentException($"Output holds {output.Length} floats; {releasable} will be released.", nameof(output));
        }

        int written = 0;
        for (int f = 0; f < count; f++)
        {
            int slot = (int)(_frames % _window);
            frames.Slice(f * _channels, _channels).CopyTo(_ring.AsSpan(slot * _channels, _channels));
            _frames++;
            if (++_pending == _block)
            {
                written += Release(output[(written * _channels)..]);
            }
        }

        return written;
    }

    /// <summary>Releases the partial last block (end of a recording). Returns the number of frames written.</summary>
    public int Flush(Span<float> output)
    {
        if (_pending == 0)
        {
            return 0;
        }

        if (output.Length < _pending * _channels)
        {
            throw new ArgumentException($"Output holds {output.Length} floats; {_pending * _channels} will be released.", nameof(output));
        }

        return Release(output);
    }

    public void Reset()
    {
        _frames = 0;
        _pending = 0;
        Array.Clear(_ring);
    }

    /// <summary>Whole-recording convenience: normalises frame-major <paramref name="frames"/> into a new array.</summary>
    public static float[] NormalizeRecording(ReadOnlySpan<float> frames, FeatureSettings settings)
    {
        var normalizer = new StreamingFeatureNormalizer(settings);
        var result = new float[frames.Length];
        int n = normalizer.Push(frames, result);
        n += normalizer.Flush(result.AsSpan(n * settings.Channels));
        System.Diagnostics.Debug.Assert(n * settings.Channels == frames.Length, "every frame is released");
        return result;
    }

    private int Release(Span<float> output)
    {
        int available = (int)Math.Min(_frames, _window);
        long first = _frames - available;
        int released = _pending;
        for (int c = 0; c < _channels; c++)
        {
            double sum = 0;
            for (long f = first; f < _frames; f++)
            {
                sum += _ring[((int)(f % _window) * _channels) + c];
            }

            double mean = sum / available;
            double squares = 0;
            for (long f = first; f < _frames; f++)
            {
                double d = _ring[((int)(f % _window) * _channels) + c] - mean;
                squares += d * d;
            }

            double std = Math.Sqrt(squares / available);
            double scale = 1.0 / Math.Max(std, Math.Max(_epsilon, _relativeFloor * Math.Abs(mean)));
            long start = _frames - released;
            for (int k = 0; k < released; k++)
            {
                float v = _ring[((int)((start + k) % _window) * _channels) + c];
                output[(k * _channels) + c] = (float)((v - mean) * scale);
            }
        }

        _pending = 0;
        return released;
    }
}
