namespace HeartStream.Pipeline.Live;

/// <summary>
/// Polls a segmenter parameters file's last-write time and size (polling, not FileSystemWatcher: it also works on
/// network and container mounts and survives the file being replaced by a rename) and asks the factory to reload it
/// when they change. Each attempt is reported once (accepted or rejected) through the callback.
/// </summary>
public sealed class ParametersWatcher : IDisposable
{
    /// <summary>The default polling interval.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    private readonly ReloadingAnalyzerFactory _factory;
    private readonly Action<bool, string> _report;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private (DateTime Written, long Length) _seen;
    private bool _disposed;

    internal ParametersWatcher(ReloadingAnalyzerFactory factory, string path, Action<bool, string> report, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _factory = factory;
        _report = report;
        Path = System.IO.Path.GetFullPath(path);
        _seen = Stamp();
        _timer = new Timer(_ => Poll(), null, interval, interval);
    }

    /// <summary>The watched file.</summary>
    public string Path { get; }

    /// <summary>Checks the file now; reloads if it changed since the last check. Returns whether a reload was attempted.</summary>
    public bool Poll()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            (DateTime Written, long Length) stamp = Stamp();
            if (stamp == _seen || stamp.Length < 0)
            {
                return false;
            }

            _seen = stamp;
            bool ok = _factory.TryReload(Path, out string message);
            _report(ok, message);
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private (DateTime, long) Stamp()
    {
        var file = new FileInfo(Path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : (DateTime.MinValue, -1);
    }
}
