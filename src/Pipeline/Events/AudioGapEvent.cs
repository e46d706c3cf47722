namespace HeartStream.Pipeline.Events;

/// <summary>
/// Audio of a device that was never analysed: chunks dropped at a full capture queue, or frames the device's sequence
/// numbers say were lost on the way. <see cref="PipelineEvent.StreamTimeSeconds"/> is where analysed audio resumes
/// (device time), <see cref="GapSeconds"/> how much is missing before it. Silence is not evidence: the alert engine
/// restarts its no-heart-sounds clock at the end of a gap instead of counting the lost audio as a pause.
/// </summary>
public sealed record AudioGapEvent(string DeviceId, double StreamTimeSeconds, double GapSeconds)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
