namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// What the alert engine must remember about one device across a restart of the service (a crash included): the
/// episode counter of every alert type (so a new episode never reuses an alert id a consumer has seen) and the alerts
/// active now, with their ids. Written by <see cref="AlertEngine.Snapshot"/>, read back by
/// <see cref="AlertEngine.Restore"/>; the MQTT service keeps it retained on the broker (docs/SECURITY.md,
/// docs/ALERTS.md "Alert state across a restart").
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Sequences">Episodes raised so far per alert type (wire name), only the non-zero ones.</param>
/// <param name="Active">The device's active alerts.</param>
public sealed record AlertStateSnapshot(string DeviceId, IReadOnlyDictionary<string, int> Sequences, IReadOnlyList<ActiveAlertSnapshot> Active)
{
    /// <summary>
    /// The sequence number of the last audio frame the writing instance took from the device (sharded service), so the
    /// device's next owner continues that sequence; null when unknown.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public uint? LastFrame { get; init; }
}

/// <summary>One active alert in an <see cref="AlertStateSnapshot"/>; times are the stream times of the run that raised it.</summary>
public sealed record ActiveAlertSnapshot(string Type, string AlertId, double OnsetSeconds, double RaisedSeconds, bool Acknowledged);
