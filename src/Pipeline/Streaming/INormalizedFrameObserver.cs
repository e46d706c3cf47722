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

    /// <summary>
    /// The 2 kHz audio the frames are computed from, as the front end resamples it and before the frames it completes
    /// are released (observers that compute features of their own, such as a spectrogram, read it). Default: ignored.
    /// </summary>
    /// <param name="audio">2 kHz samples, valid only during the call.</param>
    /// <param name="firstSample">Index, since the start of the stream, of the first sample in <paramref name="audio"/>.</param>
    void OnAudio(ReadOnlySpan<float> audio, long firstSample)
    {
    }
}
