namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Latest live classification of a device by one model, retained on .../{id}/classification. <paramref name="Probabilities"/>
/// are keyed by the model's class names plus the alert engine's names for them ("Present" is also "murmur",
/// "extrastole" also "extrasystole"); <paramref name="Model"/> is "name version".
/// </summary>
public sealed record ClassificationPayload(
    int SchemaVersion,
    string DeviceId,
    double StreamTimeSeconds,
    string Model,
    IReadOnlyDictionary<string, double> Probabilities);
