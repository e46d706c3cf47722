using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Events;

/// <summary>
/// One S1 or S2 that became final. <paramref name="LatencySeconds"/> is wall time from the arrival of the audio
/// sample at the sound's centre to the emission of this event (what the end-to-end latency metric measures).
/// </summary>
public sealed record BeatEvent(string DeviceId, HeartSound Sound, double LatencySeconds)
    : PipelineEvent(DeviceId, Sound.CentreSeconds);
