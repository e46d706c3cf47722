using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

public sealed class CirCorReaderTests(ITestOutputHelper output)
{
    private const string Header = "Patient ID,Recording locations:,Murmur,Outcome,Additional ID\n";

    [Fact]
    public void Read_RealData_HasReadmeCounts()
    {
        string? root = SharedDataSet.RootOrExplain(output);
        if (root is null)
        {
            return;
        }

        IReadOnlyList<RecordingInfo> recordings = CirCorReader.Read(root);

        Assert.Equal(502, recordings.Count);
        // 152 patient IDs; 8 children seen in both campaigns share a PatientId, so 144 split units.
        Assert.Equal(152, recordings.Select(r => r.Id.Split('_')[0]).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(144, recordings.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        var byPatientId = recordings.GroupBy(r => r.Id.Split('_')[0], StringComparer.Ordinal).Select(g => g.First()).ToList();
        Assert.Equal(27, byPatientId.Count(r => r.Murmur == MurmurStatus.Present));
        Assert.Equal(113, byPatientId.Count(r => r.Murmur == MurmurStatus.Absent));
        Assert.Equal(12, byPatientId.Count(r => r.Murmur == MurmurStatus.Unknown));
        Assert.Equal(73, byPatientId.Count(r => r.Abnormal == true));
        Assert.All(recordings, r => Assert.NotNull(r.AnnotationPath));
        Assert.All(recordings, r => Assert.NotNull(r.Location));
        Assert.Equal("49595", recordings.First(r => r.Id.StartsWith("69079_", StringComparison.Ordinal)).PatientId);
        Assert.Equal(2, recordings.Count(r => r.Id.StartsWith("50263_TV_", StringComparison.Ordinal)));
    }

    [Fact]
    public void Read_Fixture_CopiesPatientLabelsAndParsesNames()
    {
        using var tmp = new TempDataRoot();
        tmp.Write("circor/training_data.csv", Header + "100,AV+MV,Present,Abnormal,nan\n205,MV,Absent,Normal,100\n300,TV,Unknown,Normal,nan\n");
        tmp.Touch("circor/training_data/100_AV.wav");
        tmp.Touch("circor/training_data/100_AV.tsv");
        tmp.Touch("circor/training_data/205_MV.wav");
        tmp.Touch("circor/training_data/300_TV_2.wav");

        IReadOnlyList<RecordingInfo> r = CirCorReader.Read(tmp.Path);

        Assert.Equal(["100_AV", "205_MV", "300_TV_2"], r.Select(x => x.Id).ToArray());
        Assert.Equal([MurmurStatus.Present, MurmurStatus.Absent, MurmurStatus.Unknown], r.Select(x => x.Murmur!.Value).ToArray());
        Assert.Equal([true, false, false], r.Select(x => x.Abnormal!.Value).ToArray());
        Assert.Equal([AuscultationLocation.AV, AuscultationLocation.MV, AuscultationLocation.TV], r.Select(x => x.Location!.Value).ToArray());
        Assert.Equal(["100", "100", "300"], r.Select(x => x.PatientId).ToArray());
        Assert.NotNull(r[0].AnnotationPath);
        Assert.Null(r[1].AnnotationPath);
    }

    [Theory]
    [InlineData("100,AV,Maybe,Normal,nan\n", ":2:", "Murmur 'Maybe'")]
    [InlineData("100,AV,Absent,Sick,nan\n", ":2:", "Outcome 'Sick'")]
    [InlineData("100,AV,Absent\n", ":2:", "expected 5 fields")]
    [InlineData("abc,AV,Absent,Normal,nan\n", ":2:", "Patient ID 'abc'")]
    [InlineData("100,AV,Absent,Normal,nan\n100,AV,Absent,Normal,nan\n", ":3:", "listed twice")]
    public void Read_MalformedPatientTable_ThrowsNamingFileAndLine(string rows, string line, string message)
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("circor/training_data.csv", Header + rows);
        tmp.Touch("circor/training_data/100_AV.wav");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => CirCorReader.Read(tmp.Path));

        Assert.StartsWith(path + line, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("100_XX.wav", "unknown auscultation location")]
    [InlineData("100.wav", "<patient>_<location>")]
    [InlineData("999_AV.wav", "patient 999 is not in")]
    public void Read_BadRecordingName_ThrowsNamingFile(string file, string message)
    {
        using var tmp = new TempDataRoot();
        tmp.Write("circor/training_data.csv", Header + "100,AV,Absent,Normal,nan\n");
        string wav = tmp.Touch("circor/training_data/" + file);

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => CirCorReader.Read(tmp.Path));

        Assert.StartsWith(wav, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
