using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

public sealed class PhysioNet2016ReaderTests(ITestOutputHelper output)
{
    [Fact]
    public void Read_RealData_HasReadmeCounts()
    {
        string? root = SharedDataSet.RootOrExplain(output);
        if (root is null)
        {
            return;
        }

        IReadOnlyList<RecordingInfo> recordings = PhysioNet2016Reader.Read(root);

        Assert.Equal(985, recordings.Count);
        Assert.Equal(448, recordings.Count(r => r.Abnormal == true));
        Assert.Equal(537, recordings.Count(r => r.Abnormal == false));
        Assert.All(recordings, r => Assert.NotNull(r.SignalQualityUsable));
        Assert.All(recordings, r => Assert.True(File.Exists(r.WavPath), r.WavPath));
        Assert.Equal(["training-a", "training-b", "training-c", "training-d"], recordings.Select(r => r.SubSet).Distinct().ToArray());
        Assert.Equal(985, recordings.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        RecordingInfo a0001 = recordings.Single(r => r.Id == "a0001");
        Assert.True(a0001.Abnormal);
        Assert.Equal(DatasetKind.PhysioNet2016, a0001.Dataset);
    }

    [Fact]
    public void Read_FixtureWithCrlfAndSqi_ParsesLabelsAndQuality()
    {
        using var tmp = new TempDataRoot();
        tmp.Write("physionet2016/training-x/REFERENCE.csv", "x0001,1\r\nx0002,-1\r\n\r\n");
        tmp.Write("physionet2016/training-x/REFERENCE-SQI.csv", "x0001,1,0\nx0002,-1,1\n");
        tmp.Touch("physionet2016/training-x/x0001.wav");
        tmp.Touch("physionet2016/training-x/x0002.wav");

        IReadOnlyList<RecordingInfo> recordings = PhysioNet2016Reader.Read(tmp.Path);

        Assert.Equal(2, recordings.Count);
        Assert.Equal(("x0001", true, false), (recordings[0].Id, recordings[0].Abnormal!.Value, recordings[0].SignalQualityUsable!.Value));
        Assert.Equal(("x0002", false, true), (recordings[1].Id, recordings[1].Abnormal!.Value, recordings[1].SignalQualityUsable!.Value));
        Assert.Equal("training-x", recordings[0].SubSet);
        Assert.Equal("x0001", recordings[0].PatientId);
    }

    [Fact]
    public void Read_NoSqiFile_QualityIsNull()
    {
        using var tmp = new TempDataRoot();
        tmp.Write("physionet2016/training-x/REFERENCE.csv", "x0001,-1\n");
        tmp.Touch("physionet2016/training-x/x0001.wav");

        RecordingInfo only = Assert.Single(PhysioNet2016Reader.Read(tmp.Path));

        Assert.Null(only.SignalQualityUsable);
    }

    [Theory]
    [InlineData("x0001,1\nx0002,0\n", ":2:", "label '0'")]
    [InlineData("x0001,1\nx0002\n", ":2:", "expected 2 fields")]
    [InlineData("x0001,1\nx0001,1\n", ":2:", "listed twice")]
    [InlineData("x0003,1\n", ":1:", "no audio file")]
    public void Read_MalformedReference_ThrowsNamingFileAndLine(string content, string line, string message)
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("physionet2016/training-x/REFERENCE.csv", content);
        tmp.Touch("physionet2016/training-x/x0001.wav");
        tmp.Touch("physionet2016/training-x/x0002.wav");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PhysioNet2016Reader.Read(tmp.Path));

        Assert.StartsWith(path + line, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadSqiValue_ThrowsNamingFileAndLine()
    {
        using var tmp = new TempDataRoot();
        tmp.Write("physionet2016/training-x/REFERENCE.csv", "x0001,1\n");
        string sqi = tmp.Write("physionet2016/training-x/REFERENCE-SQI.csv", "x0001,1,2\n");
        tmp.Touch("physionet2016/training-x/x0001.wav");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PhysioNet2016Reader.Read(tmp.Path));

        Assert.StartsWith(sqi + ":1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFolder_ThrowsDirectoryNotFound()
    {
        using var tmp = new TempDataRoot();

        DirectoryNotFoundException ex = Assert.Throws<DirectoryNotFoundException>(() => PhysioNet2016Reader.Read(tmp.Path));

        Assert.Contains("physionet2016", ex.Message, StringComparison.Ordinal);
    }
}
