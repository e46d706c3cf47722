using System.Text.Json.Serialization;

namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Source-generated System.Text.Json metadata for every MQTT payload: no reflection at run time (AOT/trimming safe,
/// less allocation), snake_case names on the wire.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BeatsPayload))]
[JsonSerializable(typeof(VitalsPayload))]
[JsonSerializable(typeof(ClassificationPayload))]
[JsonSerializable(typeof(AlertPayload))]
[JsonSerializable(typeof(DeviceStatusPayload))]
[JsonSerializable(typeof(ServiceStatusPayload))]
[JsonSerializable(typeof(AlertAckPayload))]
[JsonSerializable(typeof(HeartStream.Pipeline.Alerts.AlertStateSnapshot))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
