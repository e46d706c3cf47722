namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// Hot reload of a registered model: polls the registry for the version a model name should serve (its
/// <c>current</c> file, else the highest version, as <see cref="ModelRegistry.DefaultVersion"/>) and, when that differs
/// from the version running, asks the owner to load, check and swap it in. A rejected version is not retried until its
/// files change (or another version becomes the default), so a bad model costs one log line, not one per poll.
/// Polling rather than FileSystemWatcher: it also works on network and container mounts and sees a <c>current</c> file
/// replaced by a rename (what <c>heartstream models promote</c> does).
/// </summary>
public sealed class ModelVersionWatcher : IDisposable
{
    /// <summary>The default polling interval.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    private readonly ModelRegistry _registry;
    private readonly TryActivate _activate;
    private readonly Action<bool, string> _report;
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private string? _rejectedVersion;
    private DateTime _rejectedStamp;
    private bool _disposed;

    /// <summary>Loads, checks and swaps in <paramref name="version"/>; false (with the reason) keeps the running one.</summary>
    public delegate bool TryActivate(string version, out string message);

    /// <param name="registry">Where the model's versions live.</param>
    /// <param name="name">Model name (a folder under the registry root).</param>
    /// <param name="activeVersion">The version running now.</param>
    /// <param name="activate">Called on the polling thread when another version should serve.</param>
    /// <param name="report">Every attempt, accepted (true) or rejected (false), with a message for the log.</param>
    /// <param name="interval">Polling interval; <see cref="Timeout.InfiniteTimeSpan"/> polls only when <see cref="Poll"/> is called.</param>
    public ModelVersionWatcher(ModelRegistry registry, string name, string activeVersion, TryActivate activate, Action<bool, string> report, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(activeVersion);
        ArgumentNullException.ThrowIfNull(activate);
        ArgumentNullException.ThrowIfNull(report);
        TimeSpan period = interval ?? DefaultInterval;
        if (period != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        }

        _registry = registry;
        Name = name;
        ActiveVersion = activeVersion;
        _activate = activate;
        _report = report;
        if (period != Timeout.InfiniteTimeSpan)
        {
            _timer = new Timer(_ => Poll(), null, period, period);
        }
    }

    /// <summary>The watched model name.</summary>
    public string Name { get; }

    /// <summary>The version serving now.</summary>
    public string ActiveVersion { get; private set; }

    /// <summary>Checks the registry now; returns whether a reload was attempted.</summary>
    public bool Poll()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            string wanted;
            try
            {
                wanted = _registry.DefaultVersion(Name);
            }
            catch (IOException)
            {
                return false; // the model folder is being rewritten or gone: keep serving what runs
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }

            if (string.Equals(wanted, ActiveVersion, StringComparison.Ordinal))
            {
                _rejectedVersion = null;
                return false;
            }

            DateTime stamp = Stamp(wanted);
            if (string.Equals(wanted, _rejectedVersion, StringComparison.Ordinal) && stamp == _rejectedStamp)
            {
                return false;
            }

            bool ok;
            string message;
            try
            {
                ok = _activate(wanted, out message);
            }
#pragma warning disable CA1031 // an untrusted model must never stop the live service; the reason is reported
            catch (Exception e)
#pragma warning restore CA1031
            {
                ok = false;
                message = $"rejected {Name} {wanted}: {e.Message}; keeping {ActiveVersion}";
            }

            if (ok)
            {
                ActiveVersion = wanted;
                _rejectedVersion = null;
            }
            else
            {
                _rejectedVersion = wanted;
                _rejectedStamp = stamp;
            }

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

        _timer?.Dispose();
    }

    /// <summary>Latest write time of the files of one version (a fixed or replaced model file changes it).</summary>
    private DateTime Stamp(string version)
    {
        var dir = new DirectoryInfo(Path.Combine(_registry.Root, Name, version));
        if (!dir.Exists)
        {
            return DateTime.MinValue;
        }

        DateTime latest = dir.LastWriteTimeUtc;
        foreach (FileInfo file in dir.EnumerateFiles())
        {
            if (file.LastWriteTimeUtc > latest)
            {
                latest = file.LastWriteTimeUtc;
            }
        }

        return latest;
    }
}
