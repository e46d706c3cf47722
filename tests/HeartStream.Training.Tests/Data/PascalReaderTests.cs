using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

public sealed class PascalReaderTests(ITestOutputHelper output)
{
    private const string Header = "dataset,fname,label,sublabel\n";

    [Fact]
    public void Read_RealData_HasReadmeCounts()
    {
        string? root = SharedDataSet.RootOrExplain(output);
        if (root is null)
        {
            return;
        }

        IReadOnlyList<RecordingInfo> all = PascalReader.Read(root);
        var a = all.Where(r => r.SubSet == "set_a").ToList();
        var b = all.Where(r => r.SubSet == "set_b").ToList();

        Assert.Equal(124, a.Count);
        Assert.Equal(31, a.Count(r => r.PascalClass == PascalClass.Normal));
        Assert.Equal(34, a.Count(r => r.PascalClass == PascalClass.Murmur));
        Assert.Equal(19, a.Count(r => r.PascalClass == PascalClass.ExtraHeartSound));
        Assert.Equal(40, a.Count(r => r.PascalClass == PascalClass.Artifact));
        Assert.Equal(461, b.Count);
        Assert.Equal(320, b.Count(r => r.PascalClass == PascalClass.Normal));
        Assert.Equal(95, b.Count(r => r.PascalClass == PascalClass.Murmur));
        Assert.Equal(46, b.Count(r => r.PascalClass == PascalClass.Extrastole));
        Assert.Equal(120, b.Count(r => r.PascalClass == PascalClass.Normal && r.Noisy == true));
        Assert.Equal(29, b.Count(r => r.PascalClass == PascalClass.Murmur && r.Noisy == true));
        Assert.All(a, r => Assert.Null(r.Noisy));
        Assert.All(all, r => Assert.True(File.Exists(r.WavPath), r.WavPath));
        Assert.Equal(124, a.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(165, b.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("127", b.Single(r => r.Id == "extrastole__127_1306764300147_C2").PatientId);
    }

    [Theory]
    [InlineData("normal__127_1306764300147_D1.wav", "127")]
    [InlineData("murmur_noisymurmur_135_1306428972976_A.wav", "135")]
    [InlineData("set_b/extrastole__128_1306344005749_A.wav", "128")]
    [InlineData("normal__201102081321.wav", null)]
    public void SetBPatientNumber_FileName_ExtractsNumber(string name, string? expected)
    {
        Assert.Equal(expected, PascalReader.SetBPatientNumber(name));
    }

    [Fact]
    public void Read_Fixture_MapsSetBAndSkipsRowsWithoutFiles()
    {
        using var tmp = MakeFixture();

        IReadOnlyList<RecordingInfo> r = PascalReader.Read(tmp.Path);

        Assert.Equal(["normal__201101", "extrahls__201102", "normal__7_1300_A", "murmur_noisymurmur_7_1301_B"], r.Select(x => x.Id).ToArray());
        Assert.Equal([PascalClass.Normal, PascalClass.ExtraHeartSound, PascalClass.Normal, PascalClass.Murmur], r.Select(x => x.PascalClass!.Value).ToArray());
        Assert.Equal(new bool?[] { null, null, false, true }, r.Select(x => x.Noisy).ToArray());
        Assert.Equal(["normal__201101", "extrahls__201102", "7", "7"], r.Select(x => x.PatientId).ToArray());
        Assert.Equal(["set_a", "set_a", "set_b", "set_b"], r.Select(x => x.SubSet).ToArray());
    }

    [Fact]
    public void Read_UnknownLabel_ThrowsNamingFileAndLine()
    {
        using var tmp = MakeFixture();
        string path = tmp.Write("pascal/set_a.csv", Header + "a,set_a/normal__201101.wav,normal,\na,set_a/extrahls__201102.wav,bogus,\n");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PascalReader.Read(tmp.Path));

        Assert.StartsWith(path + ":3:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("label 'bogus'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongHeader_ThrowsNamingFileAndLine()
    {
        using var tmp = MakeFixture();
        string path = tmp.Write("pascal/set_b_fname_map.csv", "from,to\n");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PascalReader.Read(tmp.Path));

        Assert.StartsWith(path + ":1:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowWithTooFewFields_ThrowsNamingFileAndLine()
    {
        using var tmp = MakeFixture();
        string path = tmp.Write("pascal/set_b.csv", Header + "\n\nb,set_b/x.wav\n");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PascalReader.Read(tmp.Path));

        Assert.StartsWith(path + ":4:", ex.Message, StringComparison.Ordinal);
    }

    private static TempDataRoot MakeFixture()
    {
        var tmp = new TempDataRoot();
        tmp.Write(
            "pascal/set_a.csv",
            Header + "a,set_a/normal__201101.wav,normal,\r\na,set_a/extrahls__201102.wav,extrahls,\r\na,set_a/__201103.wav,,\r\na,set_a/murmur__201104.wav,murmur,\r\n");
        tmp.Touch("pascal/set_a/normal__201101.wav");
        tmp.Touch("pascal/set_a/extrahls__201102.wav");
        tmp.Write(
            "pascal/set_b.csv",
            Header + "b,set_b/Btraining_normal_7_1300_A.wav,normal,\nb,set_b/Btraining_murmur_7_1301_B.wav,murmur,noisymurmur\nb,set_b/Bunlabelledtest_8_1302_A.wav,,\n");
        tmp.Write(
            "pascal/set_b_fname_map.csv",
            "fname_in_set_b_csv,file_in_set_b_folder\nset_b/Btraining_normal_7_1300_A.wav,set_b/normal__7_1300_A.wav\nset_b/Btraining_murmur_7_1301_B.wav,set_b/murmur_noisymurmur_7_1301_B.wav\n");
        tmp.Touch("pascal/set_b/normal__7_1300_A.wav");
        tmp.Touch("pascal/set_b/murmur_noisymurmur_7_1301_B.wav");
        return tmp;
    }
}
