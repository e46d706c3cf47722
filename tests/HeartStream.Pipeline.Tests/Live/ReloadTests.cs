using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>Hot reload of the live segmenter parameters: checks before the swap, old parameters kept on rejection, the polling watcher.</summary>
public sealed class ReloadTests : IDisposable
{
    private static readonly string s_baselinePath = Path.Combine(RepoPaths.Models, "baseline", "segmenter.json");
    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TryReload_GoodParameters_NewDevicesUseThem()
    {
        SegmenterParameters baseline = SegmenterParameters.Load(s_baselinePath);
        using var factory = new ReloadingAnalyzerFactory(baseline);
        IDeviceAnalyzer before = factory.Create("old", 4000);
        string path = Write("good.json", (baseline with { MinBpm = 35 }).ToJson());
        string oldIdentity = factory.Identity;

        bool ok = factory.TryReload(path, out string message);

        Assert.True(ok, message);
        Assert.Equal(35, factory.Parameters.MinBpm);
        Assert.NotEqual(oldIdentity, factory.Identity);
        Assert.Contains(factory.Identity, message, StringComparison.Ordinal);
        Assert.Equal(1, factory.Reloads);
        Assert.IsType<SegmentationSessionAnalyzer>(factory.Create("new", 4000));
        before.Push(new float[4000], []); // the device created before the swap keeps working on its own session
    }

    [Fact]
    public void TryReload_BadJson_RejectedAndOldKept()
    {
        SegmenterParameters baseline = SegmenterParameters.Load(s_baselinePath);
        using var factory = new ReloadingAnalyzerFactory(baseline);
        string identity = factory.Identity;

        bool ok = factory.TryReload(Write("bad.json", "{ \"channels\": 4, "), out string message);

        Assert.False(ok);
        Assert.Contains("not valid JSON", message, StringComparison.Ordinal);
        Assert.Equal(identity, factory.Identity);
        Assert.Same(baseline, factory.Parameters);
        Assert.Equal(0, factory.Reloads);
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("")]
    public void TryReload_WrongFeatureHash_RejectedAndOldKept(string hash)
    {
        SegmenterParameters baseline = SegmenterParameters.Load(s_baselinePath);
        using var factory = new ReloadingAnalyzerFactory(baseline);
        string path = Write("hash.json", (baseline with { FeatureSettingsHash = hash, MinBpm = 35 }).ToJson());

        bool ok = factory.TryReload(path, out string message);

        Assert.False(ok);
        Assert.Contains("feature hash", message, StringComparison.Ordinal);
        Assert.Same(baseline, factory.Parameters);
    }

    [Fact]
    public void TryReload_MissingFile_Rejected()
    {
        using var factory = new ReloadingAnalyzerFactory(SegmenterParameters.Load(s_baselinePath));

        bool ok = factory.TryReload(Path.Combine(_dir, "absent.json"), out string message);

        Assert.False(ok);
        Assert.Contains("absent.json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_FileChanged_ReloadsOnceAndReports()
    {
        SegmenterParameters baseline = SegmenterParameters.Load(s_baselinePath);
        string path = Write("watched.json", baseline.ToJson());
        using var factory = new ReloadingAnalyzerFactory(baseline);
        var reports = new List<(bool, string)>();
        ParametersWatcher watcher = factory.Watch(path, (ok, m) => { lock (reports) { reports.Add((ok, m)); } }, TimeSpan.FromHours(1));

        Assert.False(watcher.Poll());
        Write("watched.json", (baseline with { MinBpm = 40 }).ToJson());
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        Assert.True(watcher.Poll());
        Assert.False(watcher.Poll());
        Assert.Equal(40, factory.Parameters.MinBpm);
        Assert.Single(reports);
        Assert.True(reports[0].Item1, reports[0].Item2);
    }

    [Fact]
    public void Watch_FileReplacedWithBadJson_TimerReportsRejection()
    {
        SegmenterParameters baseline = SegmenterParameters.Load(s_baselinePath);
        string path = Write("timer.json", baseline.ToJson());
        using var factory = new ReloadingAnalyzerFactory(baseline);
        using var reported = new ManualResetEventSlim();
        string? message = null;
        factory.Watch(path, (ok, m) =>
        {
            message = m;
            reported.Set();
        }, TimeSpan.FromMilliseconds(100));

        Write("timer.json", "not json at all");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        Assert.True(reported.Wait(TimeSpan.FromSeconds(10)), "the watcher did not report the change within 10 s");
        Assert.Contains("rejected", message, StringComparison.Ordinal);
        Assert.Same(baseline, factory.Parameters);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
