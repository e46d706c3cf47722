using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Hands one analyzer's normalised frames to several observers (one window classifier per model), in order, because
/// an analyzer has a single <see cref="INormalizedFrameSource.FrameObserver"/>. Allocation-free per call.
/// </summary>
public sealed class FrameObserverFanOut : INormalizedFrameObserver
{
    private readonly INormalizedFrameObserver[] _observers;

    public FrameObserverFanOut(IEnumerable<INormalizedFrameObserver> observers)
    {
        ArgumentNullException.ThrowIfNull(observers);
        _observers = [.. observers];
        if (Array.IndexOf(_observers, null) >= 0)
        {
            throw new ArgumentException("an observer is null", nameof(observers));
        }
    }

    /// <summary>One observer as itself, several behind a fan-out, none as null.</summary>
    public static INormalizedFrameObserver? Combine(IReadOnlyList<INormalizedFrameObserver> observers)
    {
        ArgumentNullException.ThrowIfNull(observers);
        return observers.Count switch
        {
            0 => null,
            1 => observers[0],
            _ => new FrameObserverFanOut(observers),
        };
    }

    public void OnFrames(ReadOnlySpan<float> frames, int channels, long firstFrame)
    {
        foreach (INormalizedFrameObserver observer in _observers)
        {
            observer.OnFrames(frames, channels, firstFrame);
        }
    }

    public void OnAudio(ReadOnlySpan<float> audio, long firstSample)
    {
        foreach (INormalizedFrameObserver observer in _observers)
        {
            observer.OnAudio(audio, firstSample);
        }
    }
}
