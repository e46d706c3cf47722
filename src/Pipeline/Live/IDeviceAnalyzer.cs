using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// One device's analysis inside the live pipeline: raw audio chunks (the device's rate) in, final S1/S2 out, in
/// stream seconds since the first sample pushed. Implemented by SegmentationSessionAnalyzer over the
/// streaming segmenter; tests plug in fakes. Not thread-safe: the pipeline calls one device's analyzer from one
/// stage at a time.
/// </summary>
/// <remarks>
/// <para>Contract: chunk sizes must not change the sounds; <see cref="Push"/> must not allocate in steady state and
/// must not block (it runs on a shared pipeline thread); it may throw for audio it cannot use (that device then ends
/// with an error, the others go on).</para>
/// <para>Batching seam: a cross-device ONNX emission model cannot answer inside one device's <see cref="Push"/>. Such an
/// analyzer enqueues its feature windows to a shared batching stage (one ORT Run for windows of many devices, up to a
/// batch size or a few ms) and, on each <see cref="Push"/>, decodes the posteriors that have come back since; its
/// sounds then trail by at most one chunk more, and <see cref="FinalizedSeconds"/> tells the pipeline how far they are
/// final, so vitals stay exact. See docs/architecture.md.</para>
/// </remarks>
public interface IDeviceAnalyzer
{
    /// <summary>Consumes a chunk of audio and appends every sound that became final.</summary>
    void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized);

    /// <summary>End of stream: appends the remaining sounds.</summary>
    void Flush(List<HeartSound> finalized);

    /// <summary>Stream time up to which sounds are final: every sound ending at or before it has been appended.</summary>
    double FinalizedSeconds { get; }
}
