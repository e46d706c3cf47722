namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// The verdict on one frame. For <see cref="FrameDisposition.Gap"/>, <see cref="MissingFrames"/> frames were lost and
/// <see cref="MissingSamples"/> estimates their samples (missing frames × the previous frame's sample count), which
/// the caller inserts as silence so stream time stays aligned with the device clock.
/// </summary>
public readonly record struct SequenceObservation(FrameDisposition Disposition, uint MissingFrames, long MissingSamples)
{
    /// <summary>Whether the frame's samples should be fed to the pipeline.</summary>
    public bool Accept => Disposition is FrameDisposition.First or FrameDisposition.InOrder or FrameDisposition.Gap or FrameDisposition.Restart;
}
