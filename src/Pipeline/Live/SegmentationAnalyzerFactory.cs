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

    /// <summary>Loads the parameters from a JSON file (e.g. models/baseline/segmenter.json).</summary>
    public static SegmentationAnalyzerFactory Load(string path) => new(SegmenterParameters.Load(path));

    public IDeviceAnalyzer Create(string deviceId, int sampleRate) => new SegmentationSessionAnalyzer(_parameters, sampleRate, _options);
}
