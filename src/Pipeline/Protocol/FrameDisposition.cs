namespace HeartStream.Pipeline.Protocol;

/// <summary>What <see cref="SequenceTracker"/> decided about one frame.</summary>
public enum FrameDisposition
{
    /// <summary>The first frame seen: accept.</summary>
    First,

    /// <summary>The next frame (sequence + 1, modulo 2^32): accept.</summary>
    InOrder,

    /// <summary>Frames are missing before this one: accept; the observation says how many samples to bridge.</summary>
    Gap,

    /// <summary>Same sequence as the previous frame (e.g. an MQTT QoS 1 redelivery): drop.</summary>
    Duplicate,

    /// <summary>Older than the previous frame by a little: arrived late, drop (its place is already bridged).</summary>
    OutOfOrder,

    /// <summary>Sequence restarted (back to 0, a large jump back, or an implausibly large jump forward): accept, and reset stream state.</summary>
    Restart,
}
