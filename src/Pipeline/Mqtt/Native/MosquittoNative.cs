using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Mqtt.Native;

/// <summary>
/// P/Invoke declarations for libmosquitto 2.0 (mosquitto.h). Only this folder sees pointers; the rest of the code
/// uses <see cref="MosquittoClient"/>. Signatures follow mosquitto.h exactly: C <c>bool</c> is one byte, strings are
/// NUL-terminated UTF-8, <c>struct mosquitto *</c> and <c>mosquitto_property *</c> are opaque pointers.
/// </summary>
internal static unsafe partial class MosquittoNative
{
    private const string Library = "libmosquitto.so.1";

    // enum mosq_err_t
    internal const int ErrSuccess = 0;
    internal const int ErrNoMemory = 1;
    internal const int ErrInvalid = 3;
    internal const int ErrNoConnection = 4;
    internal const int ErrConnectionRefused = 5;
    internal const int ErrConnectionLost = 7;
    internal const int ErrPayloadSize = 9;
    internal const int ErrErrno = 14;
    internal const int ErrMalformedUtf8 = 18;
    internal const int ErrOversizePacket = 25;

    // MOSQ_LOG_ERR: level of libmosquitto's own error log lines (e.g. OpenSSL handshake failures).
    internal const int LogError = 0x08;

    // enum mosq_opt_t
    internal const int OptProtocolVersion = 1;

    // MQTT_PROTOCOL_V5
    internal const int ProtocolV5 = 5;

    // MQTT_PROP_SESSION_EXPIRY_INTERVAL (0x11), a four-byte integer property of CONNECT.
    internal const int PropSessionExpiryInterval = 17;

    [LibraryImport(Library, EntryPoint = "mosquitto_lib_init")]
    internal static partial int LibInit();

    [LibraryImport(Library, EntryPoint = "mosquitto_lib_version")]
    internal static partial int LibVersion(out int major, out int minor, out int revision);

    [LibraryImport(Library, EntryPoint = "mosquitto_new", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint New(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint userData);

    [LibraryImport(Library, EntryPoint = "mosquitto_destroy")]
    internal static partial void Destroy(nint mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_int_option")]
    internal static partial int IntOption(nint mosq, int option, int value);

    [LibraryImport(Library, EntryPoint = "mosquitto_username_pw_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UsernamePasswordSet(nint mosq, string? username, string? password);

    [LibraryImport(Library, EntryPoint = "mosquitto_tls_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int TlsSet(nint mosq, string? caFile, string? caPath, string? certFile, string? keyFile, nint passwordCallback);

    [LibraryImport(Library, EntryPoint = "mosquitto_will_set_v5", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int WillSetV5(nint mosq, string topic, int payloadLength, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain, nint properties);

    [LibraryImport(Library, EntryPoint = "mosquitto_reconnect_delay_set")]
    internal static partial int ReconnectDelaySet(nint mosq, uint delaySeconds, uint delayMaxSeconds, [MarshalAs(UnmanagedType.U1)] bool exponentialBackoff);

    [LibraryImport(Library, EntryPoint = "mosquitto_max_inflight_messages_set")]
    internal static partial int MaxInflightMessagesSet(nint mosq, uint maxInflight);

    [LibraryImport(Library, EntryPoint = "mosquitto_connect_bind_v5", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int ConnectBindV5(nint mosq, string host, int port, int keepAlive, string? bindAddress, nint properties);

    [LibraryImport(Library, EntryPoint = "mosquitto_disconnect_v5")]
    internal static partial int DisconnectV5(nint mosq, int reasonCode, nint properties);

    [LibraryImport(Library, EntryPoint = "mosquitto_publish_v5", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PublishV5(nint mosq, out int mid, string topic, int payloadLength, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain, nint properties);

    [LibraryImport(Library, EntryPoint = "mosquitto_subscribe_v5", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SubscribeV5(nint mosq, out int mid, string subscription, int qos, int options, nint properties);

    [LibraryImport(Library, EntryPoint = "mosquitto_loop_start")]
    internal static partial int LoopStart(nint mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_loop_stop")]
    internal static partial int LoopStop(nint mosq, [MarshalAs(UnmanagedType.U1)] bool force);

    [LibraryImport(Library, EntryPoint = "mosquitto_socket")]
    internal static partial int Socket(nint mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_strerror")]
    internal static partial nint StrError(int errorCode);

    [LibraryImport(Library, EntryPoint = "mosquitto_reason_string")]
    internal static partial nint ReasonString(int reasonCode);

    [LibraryImport(Library, EntryPoint = "mosquitto_property_add_int32")]
    internal static partial int PropertyAddInt32(ref nint properties, int identifier, uint value);

    [LibraryImport(Library, EntryPoint = "mosquitto_property_free_all")]
    internal static partial void PropertyFreeAll(ref nint properties);

    // void (*on_connect)(struct mosquitto *, void *obj, int rc, int flags, const mosquitto_property *props)
    [LibraryImport(Library, EntryPoint = "mosquitto_connect_v5_callback_set")]
    internal static partial void ConnectV5CallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> callback);

    // void (*on_disconnect)(struct mosquitto *, void *obj, int rc, const mosquitto_property *props)
    [LibraryImport(Library, EntryPoint = "mosquitto_disconnect_v5_callback_set")]
    internal static partial void DisconnectV5CallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, nint, void> callback);

    // void (*on_publish)(struct mosquitto *, void *obj, int mid, int reason_code, const mosquitto_property *props)
    [LibraryImport(Library, EntryPoint = "mosquitto_publish_v5_callback_set")]
    internal static partial void PublishV5CallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> callback);

    // void (*on_message)(struct mosquitto *, void *obj, const struct mosquitto_message *, const mosquitto_property *)
    [LibraryImport(Library, EntryPoint = "mosquitto_message_v5_callback_set")]
    internal static partial void MessageV5CallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, MosquittoMessageNative*, nint, void> callback);

    // void (*on_subscribe)(struct mosquitto *, void *obj, int mid, int qos_count, const int *granted_qos, const mosquitto_property *)
    [LibraryImport(Library, EntryPoint = "mosquitto_subscribe_v5_callback_set")]
    internal static partial void SubscribeV5CallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, int*, nint, void> callback);

    // void (*on_log)(struct mosquitto *, void *obj, int level, const char *str)
    [LibraryImport(Library, EntryPoint = "mosquitto_log_callback_set")]
    internal static partial void LogCallbackSet(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, byte*, void> callback);

    /// <summary>mosquitto_strerror as a managed string (the native text is static and never freed).</summary>
    internal static string ErrorText(int errorCode) => Marshal.PtrToStringUTF8(StrError(errorCode)) ?? $"mosquitto error {errorCode}";

    /// <summary>mosquitto_reason_string (MQTT 5 reason codes) as a managed string.</summary>
    internal static string ReasonText(int reasonCode) => Marshal.PtrToStringUTF8(ReasonString(reasonCode)) ?? $"reason code {reasonCode}";
}
