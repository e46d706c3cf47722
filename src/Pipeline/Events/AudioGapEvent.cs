namespace HeartStream.Pipeline.Events;

/// <summary>
/// Audio of a device that was never analysed: chunks dropped at a full capture queue (the capture position jumps).
/// <see cref="PipelineEvent.StreamTimeSeconds"/> is where analysed audio resumes (device time), <see cref="GapSeconds"/>
/// how much is missing before it. The alert engine counts only analysed seconds in its no-heart-sounds gap. (Frames a
/// gateway's sequence numbers say were lost on the network are bridged with silence by the MQTT source and are not
/// reported here.)
/// </summary>
public sealed record AudioGapEvent(string DeviceId, double StreamTimeSeconds, double GapSeconds)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
