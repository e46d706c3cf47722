namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// The MQTT topic tree (docs/mqtt.md). Device ids and instance names become one topic level, so they must be
/// non-empty and free of '/', '+', '#' and NUL; the builders throw a clear message otherwise.
/// </summary>
public static class MqttTopics
{
    /// <summary>Root of every topic.</summary>
    public const string Root = "heartstream/v1";

    /// <summary>Subscription for all devices' audio.</summary>
    public const string AudioSubscription = Root + "/devices/+/audio";

    /// <summary>Subscription for all acknowledge commands.</summary>
    public const string AlertAckSubscription = Root + "/devices/+/alerts/ack";

    /// <summary>Every instance's retained status (membership when sharding is on).</summary>
    public const string ServiceStatusSubscription = Root + "/service/+/status";

    /// <summary>Gateway audio frames in when sharding is on: "heartstream/v1/shards/{shard}/devices/{id}/audio".</summary>
    public static string ShardAudio(int shard, string deviceId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ValidateLevel(deviceId, nameof(deviceId));
        return $"{Root}/shards/{shard.ToString(System.Globalization.CultureInfo.InvariantCulture)}/devices/{deviceId}/audio";
    }

    /// <summary>Subscription for one shard's audio.</summary>
    public static string ShardAudioSubscription(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        return $"{Root}/shards/{shard.ToString(System.Globalization.CultureInfo.InvariantCulture)}/devices/+/audio";
    }

    /// <summary>Parses "heartstream/v1/shards/{shard}/devices/{id}/audio"; false for any other topic.</summary>
    public static bool TryGetShardAudio(string topic, out int shard, out string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(topic);
        shard = -1;
        deviceId = null;
        const string prefix = Root + "/shards/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        int slash = topic.IndexOf('/', prefix.Length);
        if (slash < 0 || !int.TryParse(topic.AsSpan(prefix.Length, slash - prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int s))
        {
            return false;
        }

        const string devices = "/devices/", suffix = "/audio";
        string rest = topic[slash..];
        if (!rest.StartsWith(devices, StringComparison.Ordinal) || !rest.EndsWith(suffix, StringComparison.Ordinal) || rest.Length <= devices.Length + suffix.Length)
        {
            return false;
        }

        string id = rest[devices.Length..^suffix.Length];
        if (id.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        (shard, deviceId) = (s, id);
        return true;
    }

    /// <summary>Extracts the instance from "heartstream/v1/service/{instance}/status"; false for any other topic.</summary>
    public static bool TryGetServiceInstance(string topic, out string? instance)
    {
        ArgumentNullException.ThrowIfNull(topic);
        instance = null;
        const string prefix = Root + "/service/", suffix = "/status";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal) || topic.Length <= prefix.Length + suffix.Length)
        {
            return false;
        }

        string name = topic[prefix.Length..^suffix.Length];
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        instance = name;
        return true;
    }

    /// <summary>Gateway audio frames in (binary).</summary>
    public static string Audio(string deviceId) => Device(deviceId, "audio");

    /// <summary>Whether a topic is about one device (heartstream/v1/devices/...): its outputs, state and commands.</summary>
    public static bool IsDeviceTopic(string topic) => topic is not null && topic.StartsWith(Root + "/devices/", StringComparison.Ordinal);

    /// <summary>Beats out, batched per second.</summary>
    public static string Beats(string deviceId) => Device(deviceId, "beats");

    /// <summary>Vitals out, retained.</summary>
    public static string Vitals(string deviceId) => Device(deviceId, "vitals");

    /// <summary>Live classification out (one model per message), retained.</summary>
    public static string Classification(string deviceId) => Device(deviceId, "classification");

    /// <summary>Alerts out, QoS 1.</summary>
    public static string Alerts(string deviceId) => Device(deviceId, "alerts");

    /// <summary>Acknowledge commands in.</summary>
    public static string AlertAck(string deviceId) => Device(deviceId, "alerts/ack");

    /// <summary>Device status out, retained.</summary>
    public static string Status(string deviceId) => Device(deviceId, "status");

    /// <summary>Retained alert state of a device (episode counters, active alerts), written and read by the service only.</summary>
    public static string AlertState(string deviceId) => Device(deviceId, "alert-state");

    /// <summary>Every device's retained alert state, read by the service at start-up.</summary>
    public const string AlertStateSubscription = Root + "/devices/+/alert-state";

    /// <summary>Service instance status, retained; also the last-will topic.</summary>
    public static string ServiceStatus(string instance)
    {
        ValidateLevel(instance, nameof(instance));
        return $"{Root}/service/{instance}/status";
    }

    /// <summary>
    /// Extracts the device id from "heartstream/v1/devices/{id}/{suffix}" (e.g. suffix "audio" or "alerts/ack").
    /// Returns false for any other topic.
    /// </summary>
    public static bool TryGetDeviceId(string topic, string suffix, out string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(suffix);
        deviceId = null;
        const string prefix = Root + "/devices/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic.EndsWith("/" + suffix, StringComparison.Ordinal))
        {
            return false;
        }

        int start = prefix.Length;
        int end = topic.Length - suffix.Length - 1;
        if (end <= start)
        {
            return false;
        }

        string id = topic[start..end];
        if (id.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        deviceId = id;
        return true;
    }

    private static string Device(string deviceId, string suffix)
    {
        ValidateLevel(deviceId, nameof(deviceId));
        return $"{Root}/devices/{deviceId}/{suffix}";
    }

    private static void ValidateLevel(string value, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        if (value.AsSpan().IndexOfAny("/+#\0") >= 0)
        {
            throw new ArgumentException($"'{value}' cannot be an MQTT topic level: it contains '/', '+', '#' or NUL.", name);
        }
    }
}
