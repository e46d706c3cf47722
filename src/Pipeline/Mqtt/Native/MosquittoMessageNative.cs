using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Mqtt.Native;

/// <summary>struct mosquitto_message from mosquitto.h; only read inside the message callback, never kept.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MosquittoMessageNative
{
    public int Mid;
    public byte* Topic;
    public byte* Payload;
    public int PayloadLength;
    public int Qos;
    public byte Retain;
}
