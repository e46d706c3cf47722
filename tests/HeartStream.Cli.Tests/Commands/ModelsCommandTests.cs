using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Commands;

/// <summary><c>heartstream models list|promote</c> on a temporary copy of the shipped registry with extra versions.</summary>
public sealed class ModelsCommandTests : IDisposable
{
    private const string Name = "segmenter-tcn";
    private readonly string _root = Directory.CreateTempSubdirectory("heartstream-models-").FullName;

    public ModelsCommandTests()
    {
        CopyDirectory(RepoPaths.Models, _root);
        string shipped = Path.Combine(_root, Name, "1.0.0");
        CopyDirectory(shipped, Path.Combine(_root, Name, "1.9.0"));
        string bad = Path.Combine(_root, Name, "2.0.0");
        CopyDirectory(shipped, bad);
        string manifest = Path.Combine(bad, ModelManifest.FileName);
        string json = File.ReadAllText(manifest);
        string hash = ModelManifest.FromJson(json, manifest).FeatureSettingsHash;
        File.WriteAllText(manifest, json.Replace(hash, new string('0', 64), StringComparison.Ordinal));

        // Without a `current` file the highest version (the bad 2.0.0) would be the default.
        File.WriteAllText(Path.Combine(_root, Name, ModelRegistry.CurrentFileName), "1.0.0\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void List_Registry_ShowsModelsCurrentAndStatus()
    {
        CliResult result = Cli.Run("models", "list", "--models", _root);

        Assert.True(result.ExitCode == 0, result.ToString());
        string line = result.Stdout.Split('\n').Single(l => l.StartsWith(Name + " ", StringComparison.Ordinal));
        Assert.Contains("1.0.0,1.1.0,1.2.0,1.9.0,2.0.0", line, StringComparison.Ordinal);
        Assert.Contains("ok", line, StringComparison.Ordinal);
        Assert.Contains(result.Stdout.Split('\n'), l => l.StartsWith("classifier-murmur ", StringComparison.Ordinal));
    }

    [Fact]
    public void Promote_GoodVersion_WritesCurrentAndRegistryFollows()
    {
        CliResult result = Cli.Run("models", "promote", Name, "1.9.0", "--models", _root);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("1.9.0", File.ReadAllText(Path.Combine(_root, Name, ModelRegistry.CurrentFileName)).Trim());
        Assert.Equal("1.9.0", new ModelRegistry(_root).DefaultVersion(Name));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, Name), "*.tmp-*"));
    }

    [Fact]
    public void Promote_UnknownVersion_Exit2AndCurrentUnchanged()
    {
        CliResult result = Cli.Run("models", "promote", Name, "9.9.9", "--models", _root);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("no version '9.9.9'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("1.0.0", new ModelRegistry(_root).DefaultVersion(Name));
    }

    [Fact]
    public void Promote_WrongFeatureHash_Exit2AndCurrentUnchanged()
    {
        CliResult result = Cli.Run("models", "promote", Name, "2.0.0", "--models", _root);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("retrain", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("1.0.0", new ModelRegistry(_root).DefaultVersion(Name));
    }

    [Fact]
    public void List_WrongFeatureHashCurrent_ShowsBad()
    {
        File.WriteAllText(Path.Combine(_root, Name, ModelRegistry.CurrentFileName), "2.0.0\n");

        CliResult result = Cli.Run("models", "list", "--models", _root);

        Assert.True(result.ExitCode == 0, result.ToString());
        string line = result.Stdout.Split('\n').Single(l => l.StartsWith(Name + " ", StringComparison.Ordinal));
        Assert.Contains("BAD", line, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.GetDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
