namespace HeartStream.Pipeline.Events;

/// <summary>
/// Something the live pipeline tells its sinks (MQTT, metrics, console) about one device. Times are stream time:
/// seconds since the device's first sample, on the device's own clock (what a clinician compares with the recording).
/// </summary>
public abstract record PipelineEvent(string DeviceId, double StreamTimeSeconds);
