namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Follows one device's frame sequence numbers (uint32, wrapping) and classifies each frame as in order, after a gap,
/// duplicate, late, or a device restart, with counters for metrics. Differences are taken modulo 2^32, so wrap-around
/// from 4294967295 to 0 is simply "in order". Rules, with d = sequence − previous (as a signed 32-bit number):
/// d = 1 in order; d = 0 duplicate; 1 &lt; d ≤ <see cref="MaxGapFrames"/> gap of d − 1 frames; d &gt; that: restart
/// (nothing sensible to bridge); sequence 0 with d ≠ 1: restart (devices count from 0 after a reboot);
/// −<see cref="ReorderWindowFrames"/> ≤ d &lt; 0: out of order (late, dropped); d below that: restart.
/// Not thread-safe; one per device. Allocation-free.
/// </summary>
public sealed class SequenceTracker
{
    private bool _started;
    private uint _last;
    private uint _lastSampleCount;

    /// <summary>Creates a tracker.</summary>
    /// <param name="maxGapFrames">Largest forward jump bridged as a gap (default 3000 frames, a minute at 50 frames/s).</param>
    /// <param name="reorderWindowFrames">How far back a frame may be and still count as late rather than a restart.</param>
    public SequenceTracker(uint maxGapFrames = 3000, uint reorderWindowFrames = 64)
    {
        ArgumentOutOfRangeException.ThrowIfZero(maxGapFrames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxGapFrames, (uint)int.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reorderWindowFrames, (uint)int.MaxValue);
        MaxGapFrames = maxGapFrames;
        ReorderWindowFrames = reorderWindowFrames;
    }

    /// <summary>Largest forward jump bridged as a gap.</summary>
    public uint MaxGapFrames { get; }

    /// <summary>Largest backward jump counted as out of order rather than restart.</summary>
    public uint ReorderWindowFrames { get; }

    /// <summary>Frames accepted.</summary>
    public long AcceptedFrames { get; private set; }

    /// <summary>Gaps seen.</summary>
    public long Gaps { get; private set; }

    /// <summary>Frames lost in gaps.</summary>
    public long MissingFrames { get; private set; }

    /// <summary>Estimated samples lost in gaps.</summary>
    public long MissingSamples { get; private set; }

    /// <summary>Duplicates dropped.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Late (out-of-order) frames dropped.</summary>
    public long OutOfOrder { get; private set; }

    /// <summary>Restarts detected.</summary>
    public long Restarts { get; private set; }

    /// <summary>The last accepted sequence number, or null before the first frame.</summary>
    public uint? Last => _started ? _last : null;

    /// <summary>
    /// Continues another tracker's stream (a device taken over from another instance): the next frame is compared with
    /// <paramref name="last"/>, so frames lost or repeated across the handover count as a gap or duplicates. Only
    /// before the first frame.
    /// </summary>
    public void Seed(uint last)
    {
        if (_started)
        {
            throw new InvalidOperationException("The tracker has already seen a frame.");
        }

        _started = true;
        _last = last;
        _lastSampleCount = 0;
    }

    /// <summary>Classifies a frame and updates the counters; accepted frames become the new reference.</summary>
    public SequenceObservation Observe(uint sequence, uint sampleCount)
    {
        if (!_started)
        {
            _started = true;
            return Accept(sequence, sampleCount, new SequenceObservation(FrameDisposition.First, 0, 0));
        }

        int d = unchecked((int)(sequence - _last));
        if (d == 1)
        {
            return Accept(sequence, sampleCount, new SequenceObservation(FrameDisposition.InOrder, 0, 0));
        }

        if (d == 0)
        {
            Duplicates++;
            return new SequenceObservation(FrameDisposition.Duplicate, 0, 0);
        }

        if (sequence == 0 || d > (int)MaxGapFrames || d < -(int)ReorderWindowFrames)
        {
            Restarts++;
            return Accept(sequence, sampleCount, new SequenceObservation(FrameDisposition.Restart, 0, 0));
        }

        if (d < 0)
        {
            OutOfOrder++;
            return new SequenceObservation(FrameDisposition.OutOfOrder, 0, 0);
        }

        uint missing = (uint)(d - 1);
        long samples = (long)missing * (_lastSampleCount == 0 ? sampleCount : _lastSampleCount);
        Gaps++;
        MissingFrames += missing;
        MissingSamples += samples;
        return Accept(sequence, sampleCount, new SequenceObservation(FrameDisposition.Gap, missing, samples));
    }

    private SequenceObservation Accept(uint sequence, uint sampleCount, SequenceObservation observation)
    {
        _last = sequence;
        _lastSampleCount = sampleCount;
        AcceptedFrames++;
        return observation;
    }
}
