namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// A device analyzer (or session) that can hand its normalised feature frames to an <see cref="INormalizedFrameObserver"/>,
/// so the live pipeline can attach window classifiers to any analyzer that computes the shared features, whatever
/// its emission model (logistic or neural), without knowing its type.
/// </summary>
public interface INormalizedFrameSource
{
    /// <summary>The observer the frames go to, or null; set before the first push.</summary>
    INormalizedFrameObserver? FrameObserver { get; set; }
}
