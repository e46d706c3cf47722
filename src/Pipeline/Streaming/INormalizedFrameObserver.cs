namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// Receives one device stream's normalised feature frames as the live front end releases them, so other consumers of
/// the same device (live window classification) reuse the segmenter's features instead of computing them again, as
/// training and serving share one feature path.
/// </summary>
/// <remarks>Called on the device's analysis thread, inside the analyzer's push; implementations must not block and
/// should not allocate per call. The span is only valid during the call.</remarks>
public interface INormalizedFrameObserver
{
    /// <param name="frames">Frame-major normalised frames, <paramref name="channels"/> values per frame.</param>
    /// <param name="channels">Feature channels per frame.</param>
    /// <param name="firstFrame">Index, since the start of the stream, of the first frame in <paramref name="frames"/>.</param>
    void OnFrames(ReadOnlySpan<float> frames, int channels, long firstFrame);
}
