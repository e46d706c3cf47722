namespace HeartStream.Training.Tests.Data;

/// <summary>A throw-away data root for hand-written CSV/TSV fixtures; files are written from strings in the tests themselves.</summary>
internal sealed class TempDataRoot : IDisposable
{
    public TempDataRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "heartstream-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a text file (relative path, '/' separated) exactly as given: line endings are the caller's.</summary>
    public string Write(string relativePath, string content)
    {
        string full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    /// <summary>Creates an empty stand-in for an audio file (the readers only check that it exists).</summary>
    public string Touch(string relativePath) => Write(relativePath, string.Empty);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
