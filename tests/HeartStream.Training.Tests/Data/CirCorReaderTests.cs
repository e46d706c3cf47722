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

        // The expectations are counted here from the files with a plain split, not through the reader, so the test
        // follows the data (../shared/data/README.md: 453 patients, 1,499 recordings on 2026-12-06).
        string folder = Path.Combine(root, "circor");
        string[] wavs = Directory.GetFiles(Path.Combine(folder, "training_data"), "*.wav");
        string[] lines = File.ReadAllLines(Path.Combine(folder, "training_data.csv"));
        string[] header = lines[0].Split(',');
        string[][] rows = [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))];
        int murmur = Array.IndexOf(header, "Murmur"), outcome = Array.IndexOf(header, "Outcome"), linked = Array.IndexOf(header, "Additional ID");
        int Count(int column, string value) => rows.Count(r => r[column] == value);
        Assert.Equal(wavs.Length, recordings.Count);
        Assert.Equal(rows.Length, recordings.Select(r => r.Id.Split('_')[0]).Distinct(StringComparer.Ordinal).Count());
        // Children seen in both campaigns share a PatientId: one split unit per connected pair of IDs.
        Assert.Equal(SplitUnits(rows.Select(r => (r[0], r[linked]))), recordings.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        var byPatientId = recordings.GroupBy(r => r.Id.Split('_')[0], StringComparer.Ordinal).Select(g => g.First()).ToList();
        Assert.Equal(Count(murmur, "Present"), byPatientId.Count(r => r.Murmur == MurmurStatus.Present));
        Assert.Equal(Count(murmur, "Absent"), byPatientId.Count(r => r.Murmur == MurmurStatus.Absent));
        Assert.Equal(Count(murmur, "Unknown"), byPatientId.Count(r => r.Murmur == MurmurStatus.Unknown));
        Assert.Equal(Count(outcome, "Abnormal"), byPatientId.Count(r => r.Abnormal == true));
        // Every recording has its segmentation except those without a same-named .tsv (50782_MV_1 as published).
        Assert.Equal(
            wavs.Where(w => !File.Exists(Path.ChangeExtension(w, ".tsv"))).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal),
            recordings.Where(r => r.AnnotationPath is null).Select(r => r.Id));
        Assert.Contains(recordings, r => r.Id == "50782_MV_1" && r.AnnotationPath is null);
        Assert.All(recordings, r => Assert.NotNull(r.Location));
        Assert.Equal("49595", recordings.First(r => r.Id.StartsWith("69079_", StringComparison.Ordinal)).PatientId);
        Assert.Equal(2, recordings.Count(r => r.Id.StartsWith("50263_TV_", StringComparison.Ordinal)));
    }

    /// <summary>Connected groups of patient IDs linked by "Additional ID" (union-find), counted.</summary>
    private static int SplitUnits(IEnumerable<(string Id, string Linked)> rows)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        var list = rows.ToList();
        foreach ((string id, _) in list)
        {
            parent[id] = id;
        }

        foreach ((string id, string linked) in list)
        {
            if (parent.ContainsKey(linked))
            {
                parent[Find(id)] = Find(linked);
            }
        }

        return list.Select(r => Find(r.Id)).Distinct(StringComparer.Ordinal).Count();
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
