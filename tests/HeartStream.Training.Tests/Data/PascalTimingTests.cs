using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

public sealed class PascalTimingTests(ITestOutputHelper output)
{
    [Fact]
    public void Read_RealData_Has21FilesOf390Marks()
    {
        string? root = SharedDataSet.RootOrExplain(output);
        if (root is null)
        {
            return;
        }

        IReadOnlyDictionary<string, IReadOnlyList<HeartSound>> timing = PascalTiming.Read(root);

        Assert.Equal(21, timing.Count);
        Assert.Equal(390, timing.Values.Sum(l => l.Count));
        // First line of the file: set_a/normal__201102081321.wav,1,S1,909 → 909 / 4000 s.
        HeartSound first = timing["normal__201102081321"][0];
        Assert.Equal(new HeartSound(SoundType.S1, 909 / 4000.0, 909 / 4000.0), first);
        var setA = PascalReader.Read(root).Where(r => r.SubSet == "set_a").ToDictionary(r => r.Id, StringComparer.Ordinal);
        Assert.All(timing.Keys, id => Assert.Equal(PascalClass.Normal, setA[id].PascalClass));
    }

    [Fact]
    public void ReadCsv_Fixture_SortsAndConvertsToSeconds()
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("t.csv", "fname,cycle,sound,location\r\nset_a/x.wav,1,S2,8000\r\nset_a/x.wav,1,S1,2000\r\nset_a/y.wav,1,S1,0\r\n");

        IReadOnlyDictionary<string, IReadOnlyList<HeartSound>> timing = PascalTiming.ReadCsv(path, 4000);

        Assert.Equal([new HeartSound(SoundType.S1, 0.5, 0.5), new HeartSound(SoundType.S2, 2.0, 2.0)], timing["x"]);
        Assert.Single(timing["y"]);
    }

    [Theory]
    [InlineData("set_a/x.wav,1,S3,10\n", "sound 'S3'")]
    [InlineData("set_a/x.wav,1,S1,-5\n", "must not be negative")]
    [InlineData("set_a/x.wav,one,S1,5\n", "cycle 'one'")]
    [InlineData("set_a/x.wav,1,S1\n", "expected 4 fields")]
    public void ReadCsv_Malformed_ThrowsNamingFileAndLine(string row, string message)
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("t.csv", "fname,cycle,sound,location\nset_a/x.wav,1,S1,1\n" + row);

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => PascalTiming.ReadCsv(path, 4000));

        Assert.StartsWith(path + ":3:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
