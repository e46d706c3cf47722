using HeartStream.Pipeline.Protocol;

namespace HeartStream.Pipeline.Tests.Protocol;

public sealed class SequenceTrackerTests
{
    [Fact]
    public void Observe_ConsecutiveFrames_FirstThenInOrder()
    {
        var t = new SequenceTracker();
        Assert.Equal(FrameDisposition.First, t.Observe(10, 40).Disposition);
        Assert.Equal(FrameDisposition.InOrder, t.Observe(11, 40).Disposition);
        Assert.Equal(2, t.AcceptedFrames);
    }

    [Fact]
    public void Seed_ContinuesAnotherTrackersSequence_GapAndDuplicateAcrossTheHandoverCounted()
    {
        var continued = new SequenceTracker();
        Assert.Null(continued.Last);
        continued.Seed(41);
        Assert.Equal(41u, continued.Last);
        Assert.Equal(FrameDisposition.InOrder, continued.Observe(42, 40).Disposition);

        var lost = new SequenceTracker();
        lost.Seed(41);
        Assert.Equal(new SequenceObservation(FrameDisposition.Gap, 2, 80), lost.Observe(44, 40));

        var repeated = new SequenceTracker();
        repeated.Seed(41);
        Assert.Equal(FrameDisposition.Duplicate, repeated.Observe(41, 40).Disposition);
        Assert.Throws<InvalidOperationException>(() => repeated.Seed(7));
    }

    [Fact]
    public void Observe_Gap_CountsMissingFramesAndSamplesFromPreviousFrameSize()
    {
        var t = new SequenceTracker();
        t.Observe(1, 40);
        SequenceObservation o = t.Observe(5, 80);
        Assert.Equal(new SequenceObservation(FrameDisposition.Gap, 3, 120), o);
        Assert.True(o.Accept);
        Assert.Equal((1L, 3L, 120L), (t.Gaps, t.MissingFrames, t.MissingSamples));
        Assert.Equal(FrameDisposition.InOrder, t.Observe(6, 40).Disposition);
    }

    [Fact]
    public void Observe_DuplicateAndLateFrames_DroppedAndCounted()
    {
        var t = new SequenceTracker();
        t.Observe(100, 40);
        t.Observe(101, 40);
        SequenceObservation dup = t.Observe(101, 40);
        SequenceObservation late = t.Observe(99, 40);
        Assert.Equal(FrameDisposition.Duplicate, dup.Disposition);
        Assert.Equal(FrameDisposition.OutOfOrder, late.Disposition);
        Assert.False(dup.Accept || late.Accept);
        Assert.Equal((1L, 1L), (t.Duplicates, t.OutOfOrder));
        Assert.Equal(FrameDisposition.InOrder, t.Observe(102, 40).Disposition);
    }

    [Fact]
    public void Observe_WrapAround_InOrderAndGapAcrossZero()
    {
        var t = new SequenceTracker();
        t.Observe(uint.MaxValue - 1, 40);
        Assert.Equal(FrameDisposition.InOrder, t.Observe(uint.MaxValue, 40).Disposition);
        Assert.Equal(FrameDisposition.InOrder, t.Observe(0, 40).Disposition);
        Assert.Equal(new SequenceObservation(FrameDisposition.Gap, 2, 80), t.Observe(3, 40));
        Assert.Equal(0, t.Restarts);
    }

    [Fact]
    public void Observe_LateFrameAcrossWrap_OutOfOrder()
    {
        var t = new SequenceTracker();
        t.Observe(uint.MaxValue, 40);
        t.Observe(1, 40);
        Assert.Equal(FrameDisposition.OutOfOrder, t.Observe(uint.MaxValue, 40).Disposition);
    }

    [Theory]
    [InlineData(500u, 0u)]          // device rebooted and counts from 0
    [InlineData(500u, 10u)]         // far back (beyond the reorder window)
    [InlineData(500u, 500u + 3001)] // implausible forward jump: nothing sensible to bridge
    public void Observe_Restart_AcceptedAndCounted(uint previous, uint next)
    {
        var t = new SequenceTracker();
        t.Observe(previous, 40);
        SequenceObservation o = t.Observe(next, 40);
        Assert.Equal(FrameDisposition.Restart, o.Disposition);
        Assert.True(o.Accept);
        Assert.Equal(1, t.Restarts);
        Assert.Equal(FrameDisposition.InOrder, t.Observe(next + 1, 40).Disposition);
    }

    [Fact]
    public void Observe_ForwardJumpAtGapLimit_StillAGap()
    {
        var t = new SequenceTracker(maxGapFrames: 100);
        t.Observe(0, 10);
        Assert.Equal(new SequenceObservation(FrameDisposition.Gap, 99, 990), t.Observe(100, 10));
    }

    [Fact]
    public void Constructor_ZeroGapLimit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceTracker(maxGapFrames: 0));
    }
}
