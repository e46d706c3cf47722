namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// Receives the network posteriors a live neural analyzer hands to its decoder, in stream order (tests compare them
/// with the offline pass; diagnostics may record them).
/// </summary>
/// <remarks>Called on the device's analysis thread; the span is only valid during the call.</remarks>
public interface IPosteriorObserver
{
    /// <param name="posteriors">Frame-major posteriors, 4 per frame (<see cref="Segmentation.HeartState"/> order).</param>
    /// <param name="firstFrame">Index, since the start of the stream, of the first frame in <paramref name="posteriors"/>.</param>
    void OnPosteriors(ReadOnlySpan<float> posteriors, long firstFrame);
}
