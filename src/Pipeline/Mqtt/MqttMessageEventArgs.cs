namespace HeartStream.Pipeline.Mqtt;

/// <summary>One received message, copied out of native memory so handlers may keep it.</summary>
public sealed class MqttMessageEventArgs(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain) : EventArgs
{
    public string Topic { get; } = topic;

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    public int Qos { get; } = qos;

    /// <summary>True when the broker delivered a stored retained message (e.g. to a new subscriber).</summary>
    public bool Retain { get; } = retain;

    /// <summary>The message's MQTT 5 user properties as MQTTnet decoded them, or null.</summary>
    internal IReadOnlyList<MQTTnet.Packets.MqttUserProperty>? UserProperties { get; init; }

    /// <summary>The sender's <see cref="MqttConnection.PublisherProperty"/> (MQTT 5), or null; decoded when read.</summary>
    public string? Publisher
    {
        get
        {
            foreach (MQTTnet.Packets.MqttUserProperty property in UserProperties ?? [])
            {
                if (property.Name == MqttConnection.PublisherProperty)
                {
                    return System.Text.Encoding.UTF8.GetString(property.ValueBuffer.Span);
                }
            }

            return null;
        }
    }
}
