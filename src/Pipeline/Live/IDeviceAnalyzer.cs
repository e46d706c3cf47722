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
/// <para>Batching seam: a cross-device ONNX emission model cannot answer inside one device's synchronous <see cref="Push"/>.
/// Such an analyzer also implements <see cref="IAsyncDeviceAnalyzer"/> (<see cref="NeuralSegmentationAnalyzer"/>): it
/// submits its feature windows to the shared <see cref="Inference.Batching.BatchedInferenceStage"/> (one ORT Run for the
/// windows of many devices, up to a batch size or a few ms) and <see cref="DeviceAnalysisStage"/> awaits it, so sounds
/// trail by the batch wait only and <see cref="FinalizedSeconds"/> stays exact. See docs/architecture.md.</para>
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
