using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

public sealed class DurationParametersTests
{
    [Fact]
    public void ComputeFrames_SpringerRate_UsesSpringerMeans()
    {
        var d = new StateDuration[4];
        new DurationParameters().ComputeFrames(new HeartRateEstimate(75, 0.32, 1), 50, d);

        Assert.Equal(0.122 * 50, d[0].Mean, 9);
        Assert.Equal((0.32 - 0.122) * 50, d[1].Mean, 9);
        Assert.Equal(0.094 * 50, d[2].Mean, 9);
        Assert.Equal((0.8 - 0.32 - 0.094) * 50, d[3].Mean, 9);
        Assert.Equal(((0.07 * (0.8 - 0.32 - 0.094)) + 0.006) * 50, d[3].Sd, 9);
    }

    [Fact]
    public void ComputeFrames_AnyRateFrom30To240_MeansFillOneCycleInsideTheirBounds()
    {
        var d = new StateDuration[4];
        var p = new DurationParameters();
        for (double bpm = 30; bpm <= 240; bpm += 2.5)
        {
            foreach (double systole in new[] { 0.05, 0.2, 0.35, 0.6 })
            {
                p.ComputeFrames(new HeartRateEstimate(bpm, systole, 1), 50, d);
                double cycle = d.Sum(x => x.Mean);
                Assert.Equal(60.0 / bpm * 50, cycle, 6);
                foreach (StateDuration s in d)
                {
                    Assert.InRange(s.Min, 1, s.Max);
                    Assert.InRange(s.Mean, s.Min, s.Max);
                }

                Assert.True(d[3].Mean >= (0.06 * 50) - 1e-9, $"diastole {d[3].Mean} frames at {bpm} bpm");
            }
        }
    }

    [Fact]
    public void Validate_NegativeSd_ThrowsNamingTheField()
    {
        var p = new DurationParameters { S2SdSeconds = -1 };

        Assert.Contains(nameof(DurationParameters.S2SdSeconds), Assert.Throws<ArgumentException>(p.Validate).Message, StringComparison.Ordinal);
    }
}
