using HeartStream.Training.Models;

namespace HeartStream.Training.Tests.Models;

/// <summary>The labels CSV of <c>eval classification --labels</c>: header skipped, labels by class name, clear errors.</summary>
public sealed class ClassifierCasesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-cases-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromCsv_HeaderAndRows_LabelsByClassName()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.wav"), []);
        File.WriteAllBytes(Path.Combine(_dir, "b.wav"), []);
        string csv = Write("file,label\na.wav,Abnormal\nb.wav, normal\n");

        var cases = ClassifierCases.FromCsv(ClassificationTask.Abnormal, _dir, csv);

        Assert.Equal([1, 0], cases.Select(c => c.Label));
        Assert.Equal(["a", "b"], cases.Select(c => c.Recording.Id));
    }

    [Fact]
    public void FromCsv_UnknownLabel_ThrowsNamingRowAndClasses()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.wav"), []);
        string csv = Write("a.wav,Present\na.wav,loud\n");

        var e = Assert.Throws<InvalidDataException>(() => ClassifierCases.FromCsv(ClassificationTask.Murmur, _dir, csv));
        Assert.Contains("row 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("Present, Unknown, Absent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCsv_MissingRecording_ThrowsNamingFile()
    {
        string csv = Write("gone.wav,normal\n");

        var e = Assert.Throws<InvalidDataException>(() => ClassifierCases.FromCsv(ClassificationTask.Pascal, _dir, csv));
        Assert.Contains("gone.wav", e.Message, StringComparison.Ordinal);
    }

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "labels.csv");
        File.WriteAllText(path, text);
        return path;
    }
}
