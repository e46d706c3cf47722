using Microsoft.Extensions.Logging;

namespace HeartStream.Pipeline.Mqtt;

/// <summary>Source-generated log messages of the MQTT service parts (nothing per frame at Information).</summary>
internal static partial class MqttServiceLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Alert {AlertId} was not handed to the MQTT client: {Reason}")]
    public static partial void AlertNotPublished(ILogger logger, string alertId, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Ignored an acknowledge command for device {DeviceId}: {Reason}")]
    public static partial void AckRejected(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Gateway device {DeviceId} joined (stream {Stream})")]
    public static partial void GatewayDeviceJoined(ILogger logger, string deviceId, int stream);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Gateway device {DeviceId} failed: {Reason}")]
    public static partial void GatewayDeviceFailed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Refused audio of new device {DeviceId}: {Active} devices stream to this instance, the most Pipeline:MaxDevices allows ({Refused} frames of new devices refused so far)")]
    public static partial void GatewayDeviceRefused(ILogger logger, string deviceId, int active, long refused);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Gateway device {DeviceId} sent nothing for {Seconds} s (Pipeline:IdleDeviceSeconds): its stream is ended and its place freed")]
    public static partial void GatewayDeviceIdle(ILogger logger, string deviceId, int seconds);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Rejected an audio message on {Topic}: {Reason}")]
    public static partial void FrameRejected(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Ignored the retained alert state on {Topic}: {Reason}")]
    public static partial void AlertStateRejected(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Information, Message = "Restored the alert state of {Devices} devices from the broker ({Active} active alerts keep their ids)")]
    public static partial void AlertStateRestored(ILogger logger, int devices, int active);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "The alert state of device {DeviceId} was not handed to the MQTT client (it stays as last written)")]
    public static partial void AlertStateNotPublished(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "Instance {Instance} owns {Owned} of {Shards} shards ({Gained} gained, {Lost} lost; {Members} live instances)")]
    public static partial void ShardsMoved(ILogger logger, string instance, int owned, int shards, int gained, int lost, int members);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Ignored the status of instance {Instance} (not a valid service status): {Reason}")]
    public static partial void ShardStatusMalformed(ILogger logger, string instance, string reason);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "The session of shard {Shard} ended: {Reason} (another instance took it over, or the broker went away)")]
    public static partial void ShardSessionLost(ILogger logger, int shard, string reason);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Warning, Message = "Following a shard move failed: {Reason}; audio of a lost shard that still arrives is dropped as not owned, a gained shard is taken again at the next move")]
    public static partial void ShardMoveFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Warning, Message = "Lost the broker connection with {Owned} shards: gave them up at once and dropped {Dropped} device messages not yet acknowledged (another instance may own those devices by the time this one is back)")]
    public static partial void ShardsFenced(ILogger logger, int owned, int dropped);

    [LoggerMessage(EventId = 3045, Level = LogLevel.Warning, Message = "Shards {Shards} were still held by another live instance after {Seconds} s: taking them anyway (the session takeover ends the other holder's connection; frames it took meanwhile may count as missing)")]
    public static partial void ShardsStillHeld(ILogger logger, string shards, double seconds);
}
