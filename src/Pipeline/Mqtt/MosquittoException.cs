using HeartStream.Pipeline.Mqtt.Native;

namespace HeartStream.Pipeline.Mqtt;

/// <summary>A libmosquitto call or an MQTT exchange failed; the message carries mosquitto_strerror's text.</summary>
public sealed class MosquittoException : Exception
{
    public MosquittoException()
    {
    }

    public MosquittoException(string message)
        : base(message)
    {
    }

    public MosquittoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MosquittoException(string operation, int errorCode)
        : base($"{operation} failed: {MosquittoNative.ErrorText(errorCode)} (mosquitto error {errorCode}).")
    {
        ErrorCode = errorCode;
    }

    /// <summary>The mosq_err_t value, or an MQTT 5 reason code for broker refusals; 0 when not from a native call.</summary>
    public int ErrorCode { get; init; }
}
