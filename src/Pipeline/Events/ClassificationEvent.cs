namespace HeartStream.Pipeline.Events;

/// <summary>
/// Class probabilities of a recent window of one device, every few seconds. Keys are class names from the model's
/// manifest, e.g. "normal", "abnormal", "murmur", "extrasystole", "artifact"; values 0..1.
/// </summary>
public sealed record ClassificationEvent(string DeviceId, double StreamTimeSeconds, IReadOnlyDictionary<string, double> Probabilities, string ModelVersion)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
