using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Makes a <see cref="SegmentationSessionAnalyzer"/> per device from one set of trained segmenter parameters (shared,
/// read-only). The per-device emission model lives inside the session; the cross-device batched ONNX stage will come in
/// as another <see cref="IDeviceAnalyzerFactory"/>.
/// </summary>
public sealed class SegmentationAnalyzerFactory : IDeviceAnalyzerFactory
{
    private readonly SegmenterParameters _parameters;
    private readonly StreamingDecoderOptions? _options;

    public SegmentationAnalyzerFactory(SegmenterParameters parameters, StreamingDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _options = options;
    }

    /// <summary>Loads the parameters from a JSON file (e.g. models/baseline/segmenter.json); decoder settings from the options.</summary>
    public static SegmentationAnalyzerFactory Load(string path, LivePipelineOptions? options = null)
    {
        StreamingDecoderOptions decoder = StreamingDecoderOptions.Default;
        if (options is not null && options.DecoderLookaheadSeconds > 0)
        {
            decoder = decoder with { LookaheadSeconds = options.DecoderLookaheadSeconds };
        }

        if (options is not null && options.DecoderStepSeconds > 0)
        {
            decoder = decoder with { StepSeconds = options.DecoderStepSeconds };
        }

        decoder.Validate();
        return new SegmentationAnalyzerFactory(SegmenterParameters.Load(path), decoder);
    }

    /// <summary>The parameters every analyzer gets.</summary>
    public SegmenterParameters Parameters => _parameters;

    /// <summary>The decoder settings every analyzer gets.</summary>
    public StreamingDecoderOptions DecoderOptions => _options ?? StreamingDecoderOptions.Default;

    /// <summary>Upper bound of the time from a sound's end to its emission at a given input rate (session latency).</summary>
    public double MaxLatencySeconds(int sampleRate) => new StreamingSegmentationSession(_parameters, sampleRate, _options).MaxLatencySeconds;

    public IDeviceAnalyzer Create(string deviceId, int sampleRate) => new SegmentationSessionAnalyzer(_parameters, sampleRate, _options);
}
