namespace HeartStream.Pipeline.Mqtt;

/// <summary>
/// An MQTT connection failure: the broker unreachable, a refused CONNACK, SUBACK or PUBACK (with its MQTT reason code
/// in <see cref="ErrorCode"/>), or a publish that cannot be kept. The message names the broker and what was being done.
/// </summary>
public sealed class MqttConnectionException : Exception
{
    public MqttConnectionException()
    {
    }

    public MqttConnectionException(string message)
        : base(message)
    {
    }

    public MqttConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The MQTT reason code (0x80 and above) or the socket error; 0 when neither applies.</summary>
    public int ErrorCode { get; init; }
}
