using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Tests.Evaluation;

public sealed class HeartRateErrorTests
{
    [Fact]
    public void Add_PerfectRegularBeatTrain_ZeroErrorAtTrueRate()
    {
        // 75 bpm = 0.8 s period over 30 s.
        List<HeartSound> beats = Train(period: 0.8, first: 0.3, end: 30);
        var hr = new HeartRateError();

        IReadOnlyList<HeartRateWindow> windows = hr.Add(beats, beats, new AnnotatedSpan(0, 30));

        Assert.Equal(3, windows.Count);
        Assert.All(windows, w => Assert.Equal(75.0, w.ReferenceBpm, 9));
        Assert.Equal(0.0, hr.MeanAbsoluteErrorBpm!.Value, 9);
    }

    [Fact]
    public void Add_DetectorAtDifferentRate_ErrorIsRateDifference()
    {
        List<HeartSound> reference = Train(period: 1.0, first: 0.5, end: 20); // 60 bpm
        List<HeartSound> detected = Train(period: 0.75, first: 0.5, end: 20); // 80 bpm
        var hr = new HeartRateError();

        hr.Add(reference, detected, new AnnotatedSpan(0, 20));

        Assert.Equal(2, hr.Windows);
        Assert.Equal(20.0, hr.MeanAbsoluteErrorBpm!.Value, 9);
    }

    [Fact]
    public void ComputeWindows_OnlyFullWindowsInsideSpan()
    {
        List<HeartSound> beats = Train(period: 1.0, first: 0.5, end: 40);

        IReadOnlyList<HeartRateWindow> windows = HeartRateError.ComputeWindows(beats, (_, _) => 60, new AnnotatedSpan(2.5, 31));

        Assert.Equal([(2.5, 12.5), (12.5, 22.5)], windows.Select(w => (w.StartSeconds, w.EndSeconds)).ToArray());
    }

    [Fact]
    public void ComputeWindows_FewerThanTwoReferenceS1_WindowSkipped()
    {
        HeartSound[] reference = [SegmentationScorerTests.S1(1.0), SegmentationScorerTests.S1(2.0), SegmentationScorerTests.S1(15.0)];

        IReadOnlyList<HeartRateWindow> windows = HeartRateError.ComputeWindows(reference, (_, _) => 60, new AnnotatedSpan(0, 20));

        HeartRateWindow only = Assert.Single(windows);
        Assert.Equal(0.0, only.StartSeconds);
    }

    [Fact]
    public void Add_NoDetectedS1_CountsReferenceRateAsErrorAndMissed()
    {
        List<HeartSound> reference = Train(period: 1.0, first: 0.5, end: 10);
        var hr = new HeartRateError();

        hr.Add(reference, [], new AnnotatedSpan(0, 10));

        Assert.Equal(1, hr.MissedWindows);
        Assert.Equal(60.0, hr.MeanAbsoluteErrorBpm!.Value, 9);
    }

    [Fact]
    public void Add_SuppliedRatePerWindow_PoolsOverRecordings()
    {
        List<HeartSound> reference = Train(period: 1.0, first: 0.5, end: 20); // 60 bpm
        var hr = new HeartRateError();

        hr.Add(reference, (_, _) => 63.0, new AnnotatedSpan(0, 20));
        hr.Add(reference, (start, _) => start < 5 ? 50.0 : 60.0, new AnnotatedSpan(0, 20));

        Assert.Equal(2, hr.Recordings);
        Assert.Equal(4, hr.Windows);
        Assert.Equal((3 + 3 + 10 + 0) / 4.0, hr.MeanAbsoluteErrorBpm!.Value, 9);
    }

    [Fact]
    public void MeanAbsoluteErrorBpm_NoWindows_IsNull()
    {
        var hr = new HeartRateError();

        hr.Add(Train(1.0, 0.5, 5), Train(1.0, 0.5, 5), new AnnotatedSpan(0, 5));

        Assert.Equal(0, hr.Windows);
        Assert.Null(hr.MeanAbsoluteErrorBpm);
    }

    [Fact]
    public void ComputeWindows_S2Ignored_OnlyS1Counts()
    {
        // S2 at a different rhythm would change the rate if it were counted.
        var reference = Train(period: 1.0, first: 0.5, end: 10);
        reference.Add(new HeartSound(SoundType.S2, 9.9, 9.9));

        HeartRateWindow w = Assert.Single(HeartRateError.ComputeWindows(reference, (_, _) => 0, new AnnotatedSpan(0, 10)));

        Assert.Equal(60.0, w.ReferenceBpm, 9);
    }

    private static List<HeartSound> Train(double period, double first, double end)
    {
        var sounds = new List<HeartSound>();
        for (double t = first; t < end; t += period)
        {
            sounds.Add(SegmentationScorerTests.S1(t));
            sounds.Add(SegmentationScorerTests.S2(t + 0.3));
        }

        return sounds;
    }
}
