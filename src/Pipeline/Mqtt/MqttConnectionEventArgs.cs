namespace HeartStream.Pipeline.Mqtt;

/// <summary>A connect or disconnect, with the MQTT reason code (or mosquitto error code) and its text.</summary>
public sealed class MqttConnectionEventArgs(int reasonCode, string reason, bool sessionPresent) : EventArgs
{
    /// <summary>0 is success / a requested disconnect; otherwise an MQTT 5 reason code or a mosquitto error code.</summary>
    public int ReasonCode { get; } = reasonCode;

    public string Reason { get; } = reason;

    /// <summary>On connect: the broker still had our session (subscriptions were kept).</summary>
    public bool SessionPresent { get; } = sessionPresent;
}
