using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The live analyzer of one device over <see cref="StreamingSegmentationSession"/>: resample to 2 kHz, streaming features,
/// live normaliser, logistic emission model, streaming HSMM with at most 2 s look-ahead. Allocation-free per chunk.
/// </summary>
public sealed class SegmentationSessionAnalyzer : IDeviceAnalyzer, INormalizedFrameSource
{
    private readonly StreamingSegmentationSession _session;

    public SegmentationSessionAnalyzer(SegmenterParameters parameters, int sampleRate, StreamingDecoderOptions? options = null)
    {
        _session = new StreamingSegmentationSession(parameters, sampleRate, options);
    }

    /// <summary>The underlying session (decoder statistics, latency bound).</summary>
    public StreamingSegmentationSession Session => _session;

    public double FinalizedSeconds => _session.FinalizedSeconds;

    /// <inheritdoc cref="StreamingSegmentationSession.FrameObserver"/>
    public INormalizedFrameObserver? FrameObserver
    {
        get => _session.FrameObserver;
        set => _session.FrameObserver = value;
    }

    public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized) => _session.Push(audio, finalized);

    public void Flush(List<HeartSound> finalized) => _session.Flush(finalized);
}
