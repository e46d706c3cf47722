using HeartStream.Trainer.Murmur;

namespace HeartStream.Trainer.Tests.Murmur;

/// <summary>Murmur frame targets on hand-made label sequences (synthetic, not data).</summary>
public sealed class MurmurFrameLabelsTests
{
    private const sbyte U = -1;

    [Theory]
    [InlineData("Holosystolic", 8, 0, 8)]
    [InlineData("Early-systolic", 8, 0, 4)]
    [InlineData("Early-systolic", 7, 0, 4)]
    [InlineData("Mid-systolic", 8, 2, 6)]
    [InlineData("Late-systolic", 8, 4, 8)]
    [InlineData("Early-diastolic", 1, 0, 1)]
    public void PortionFollowsTheTiming(string timing, int length, int from, int to)
    {
        Assert.Equal((from, to), MurmurFrameLabels.Portion(timing, length));
    }

    [Fact]
    public void UnknownTimingMarksNothing() => Assert.Null(MurmurFrameLabels.Portion("Pansystolic?", 8));

    [Fact]
    public void OnlyBoundedSystolesAtAHeardLocationAreMarked()
    {
        // systole cut by the start, S1, systole of 4, S2, diastole, S1, systole of 4 cut by the end
        sbyte[] labels = [1, 1, 0, 1, 1, 1, 1, 2, 3, 3, 0, 1, 1, 1, 1];
        sbyte[] copy = (sbyte[])labels.Clone();
        Assert.Equal(0, MurmurFrameLabels.AddMurmur(copy, heardHere: false, "Holosystolic", null));
        Assert.Equal(labels, copy);

        Assert.Equal(2, MurmurFrameLabels.AddMurmur(labels, heardHere: true, "Early-systolic", null));
        Assert.Equal(new sbyte[] { 1, 1, 0, 4, 4, 1, 1, 2, 3, 3, 0, 1, 1, 1, 1 }, labels);
    }

    [Fact]
    public void UnannotatedNeighboursDoNotBound()
    {
        sbyte[] labels = [U, 1, 1, 2, 3, 3, U];
        Assert.Equal(0, MurmurFrameLabels.AddMurmur(labels, heardHere: true, "Holosystolic", "Early-diastolic"));
        sbyte[] inner = [0, 1, 1, 2, 3, 3, 0];
        Assert.Equal(3, MurmurFrameLabels.AddMurmur(inner, heardHere: true, "Holosystolic", "Early-diastolic"));
        Assert.Equal(new sbyte[] { 0, 4, 4, 2, 4, 3, 0 }, inner);
    }
}
