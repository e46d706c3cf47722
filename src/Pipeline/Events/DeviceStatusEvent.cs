namespace HeartStream.Pipeline.Events;

/// <summary>A change of a device's <see cref="DeviceStatus"/>, with a human-readable reason for errors.</summary>
public sealed record DeviceStatusEvent(string DeviceId, double StreamTimeSeconds, DeviceStatus Status, string? Reason)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
