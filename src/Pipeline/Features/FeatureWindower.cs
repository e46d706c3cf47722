namespace HeartStream.Pipeline.Features;

/// <summary>
/// Turns a stream of frames into model windows: every <see cref="FeatureSettings.HopFrames"/> frames, once
/// <see cref="FeatureSettings.WindowFrames"/> frames have arrived, it writes the last WindowFrames frames z-scored
/// per channel, channel-major ([Channels × WindowFrames]). Window k covers frames
/// [k × HopFrames, k × HopFrames + WindowFrames). State is a fixed ring of frames; nothing is allocated per call.
/// </summary>
public sealed class FeatureWindower
{
    private readonly FeatureSettings _settings;
    private readonly int _channels;
    private readonly int _window;
    private readonly int _hop;
    private readonly float[] _ring;    // WindowFrames frames, frame-major
    private readonly float[] _linear;  // the ring unrolled chronologically
    private long _frames;

    public FeatureWindower(FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _channels = settings.Channels;
        _window = settings.WindowFrames;
        _hop = settings.HopFrames;
        _ring = new float[_window * _channels];
        _linear = new float[_window * _channels];
    }

    /// <summary>Floats in one output window.</summary>
    public int WindowLength => _window * _channels;

    /// <summary>Frames consumed since construction or <see cref="Reset"/>.</summary>
    public long FramesConsumed => _frames;

    /// <summary>Windows emitted since construction or <see cref="Reset"/>.</summary>
    public long WindowsEmitted => TotalWindows(_frames);

    /// <summary>First frame index of window number <paramref name="windowIndex"/>.</summary>
    public long StartFrame(long windowIndex) => windowIndex * _hop;

    /// <summary>Exactly how many windows the next <see cref="Push"/> of <paramref name="frameCount"/> frames emits.</summary>
    public int MaxWindows(int frameCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        return (int)(TotalWindows(_frames + frameCount) - TotalWindows(_frames));
    }

    /// <summary>
    /// Consumes frame-major <paramref name="frames"/> (a whole number of frames) and writes each completed window
    /// into <paramref name="windows"/>, one after another. Returns the number of windows written.
    /// </summary>
    public int Push(ReadOnlySpan<float> frames, Span<float> windows)
    {
        if (frames.Length % _channels != 0)
        {
            throw new ArgumentException($"Frames must be whole frames of {_channels} floats; got {frames.Length} floats.", nameof(frames));
        }

        int count = frames.Length / _channels;
        int expected = MaxWindows(count);
        if (windows.Length < expected * WindowLength)
        {
            throw new ArgumentException($"Window buffer holds {windows.Length} floats but this call emits {expected} windows of {WindowLength}.", nameof(windows));
        }

        int written = 0;
        for (int f = 0; f < count; f++)
        {
            int slot = (int)(_frames % _window);
            frames.Slice(f * _channels, _channels).CopyTo(_ring.AsSpan(slot * _channels));
            _frames++;
            if (_frames >= _window && (_frames - _window) % _hop == 0)
            {
                // Oldest frame sits in the slot after the newest one.
                int oldest = (slot + 1) % _window;
                int tail = (_window - oldest) * _channels;
                _ring.AsSpan(oldest * _channels, tail).CopyTo(_linear);
                _ring.AsSpan(0, oldest * _channels).CopyTo(_linear.AsSpan(tail));
                FeatureNormalizer.ZScoreToChannelMajor(_linear, _channels, _window, windows.Slice(written * WindowLength, WindowLength), _settings);
                written++;
            }
        }

        return written;
    }

    /// <summary>Forgets all frames.</summary>
    public void Reset()
    {
        Array.Clear(_ring);
        _frames = 0;
    }

    private long TotalWindows(long frames) => frames < _window ? 0 : ((frames - _window) / _hop) + 1;
}
