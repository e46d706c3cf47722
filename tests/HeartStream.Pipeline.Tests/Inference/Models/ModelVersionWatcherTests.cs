using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>
/// Hot-reload polling over a registry folder (manifests are placeholders: the watcher only reads which version should
/// serve; loading and checking is the activator's job, tested with the real models elsewhere).
/// </summary>
public sealed class ModelVersionWatcherTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-watch-" + Guid.NewGuid().ToString("N"));
    private readonly List<(bool Ok, string Message)> _reports = [];
    private readonly List<string> _attempts = [];

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Poll_CurrentFileNamesAnotherVersion_ActivatesItOnce()
    {
        Version("1.0.0");
        Version("1.1.0");
        Current("1.0.0");
        using ModelVersionWatcher watcher = Watch("1.0.0", accept: true);

        Assert.False(watcher.Poll());
        Current("1.1.0");
        Assert.True(watcher.Poll());
        Assert.False(watcher.Poll());

        Assert.Equal("1.1.0", watcher.ActiveVersion);
        Assert.Equal(["1.1.0"], _attempts);
        Assert.Single(_reports, r => r.Ok);
    }

    [Fact]
    public void Poll_RejectedVersion_KeepsActiveAndRetriesOnlyWhenItsFilesChange()
    {
        Version("1.0.0");
        Version("2.0.0");
        Current("1.0.0");
        using ModelVersionWatcher watcher = Watch("1.0.0", accept: false);
        Current("2.0.0");

        Assert.True(watcher.Poll());
        Assert.False(watcher.Poll());
        Assert.Equal("1.0.0", watcher.ActiveVersion);
        Assert.Equal(["2.0.0"], _attempts);
        Assert.Contains("keeping 1.0.0", _reports.Single().Message, StringComparison.Ordinal);

        File.SetLastWriteTimeUtc(Path.Combine(_root, "seg", "2.0.0", "manifest.json"), DateTime.UtcNow.AddMinutes(1));
        Assert.True(watcher.Poll());
        Assert.Equal(["2.0.0", "2.0.0"], _attempts);
    }

    [Fact]
    public void Poll_ActivatorThrows_ReportsRejectionAndKeepsServing()
    {
        Version("1.0.0");
        Version("1.2.0");
        using var watcher = new ModelVersionWatcher(
            new ModelRegistry(_root), "seg", "1.0.0", (string _, out string m) => throw new InvalidDataException("broken graph"), (ok, m) => _reports.Add((ok, m)), Timeout.InfiniteTimeSpan);

        Assert.True(watcher.Poll());

        Assert.Equal("1.0.0", watcher.ActiveVersion);
        (bool ok, string message) = Assert.Single(_reports);
        Assert.False(ok);
        Assert.Contains("broken graph", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_ModelFolderRemoved_KeepsServingWithoutAttempt()
    {
        Version("1.0.0");
        using ModelVersionWatcher watcher = Watch("1.0.0", accept: true);
        Directory.Delete(Path.Combine(_root, "seg"), recursive: true);

        Assert.False(watcher.Poll());
        Assert.Equal("1.0.0", watcher.ActiveVersion);
        Assert.Empty(_attempts);
    }

    private ModelVersionWatcher Watch(string active, bool accept) =>
        new(new ModelRegistry(_root), "seg", active, (string version, out string message) =>
        {
            _attempts.Add(version);
            message = accept ? $"loaded seg {version}" : $"rejected seg {version}: test inference failed; keeping {active}";
            return accept;
        }, (ok, m) => _reports.Add((ok, m)), Timeout.InfiniteTimeSpan);

    private void Version(string version)
    {
        string dir = Path.Combine(_root, "seg", version);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{}");
    }

    private void Current(string version) => File.WriteAllText(Path.Combine(_root, "seg", ModelRegistry.CurrentFileName), version + "\n");
}
