namespace HeartStream.Pipeline.Mqtt;

/// <summary>
/// The last-will message the broker publishes for us when our connection ends without a DISCONNECT
/// (crash, lost link, missed keep-alive). Set in <see cref="MqttClientOptions.Will"/>; it is sent with CONNECT.
/// </summary>
public sealed record MqttWill(string Topic, ReadOnlyMemory<byte> Payload, int Qos = 1, bool Retain = false);
