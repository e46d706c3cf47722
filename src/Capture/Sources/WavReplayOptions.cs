namespace HeartStream.Capture.Sources;

/// <summary>How a <see cref="WavFileSource"/> replays its file.</summary>
public sealed record WavReplayOptions
{
    /// <summary>Real-time pace, once.</summary>
    public static WavReplayOptions RealTime { get; } = new();

    /// <summary>
    /// Replay speed: 1 = real time, N = N× faster, 0 = as fast as the reader can take it (no pacing). A device never
    /// waits for the pipeline: when paced, audio is released by the clock whether or not anyone reads it.
    /// </summary>
    public double Speed { get; init; } = 1.0;

    /// <summary>Start again from the beginning at the end of the file (stream time keeps running).</summary>
    public bool Loop { get; init; }

    /// <summary>Pacing granularity: audio is released in steps of this many milliseconds of stream time.</summary>
    public int TickMilliseconds { get; init; } = 100;

    /// <summary>
    /// Delays the start by this much wall time, so that many simulated devices do not all tick at the same instant.
    /// </summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!(Speed >= 0) || !double.IsFinite(Speed))
        {
            throw new ArgumentException($"Replay speed must be 0 (as fast as possible) or a positive factor; got {Speed}.");
        }

        if (TickMilliseconds is < 1 or > 10_000)
        {
            throw new ArgumentException($"Replay tick must be 1..10000 ms; got {TickMilliseconds}.");
        }

        if (StartDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"Replay start delay must not be negative; got {StartDelay}.");
        }
    }
}
