using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>Makes a <see cref="WindowedRecordingAnalyzer"/> per device, all sharing one set of segmenter parameters.</summary>
public sealed class WindowedRecordingAnalyzerFactory(SegmenterParameters parameters) : IDeviceAnalyzerFactory
{
    private readonly SegmenterParameters _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));

    /// <inheritdoc />
    public IDeviceAnalyzer Create(string deviceId, int sampleRate) => new WindowedRecordingAnalyzer(_parameters, sampleRate);
}
