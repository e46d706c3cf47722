using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The <see cref="ILiveClassifierFactory"/> of the service: the configured classifier models are loaded once (one
/// shared ONNX session each) and every device gets its own <see cref="LiveWindowClassifier"/> per model. A model that
/// cannot be loaded is reported and left out, so a bad model never stops segmentation. Hot reload
/// (<see cref="TryReload"/>, <see cref="Watch"/>): a new version is loaded, test-inferred and given to devices that
/// connect afterwards; running devices keep the classifier they started with (their windows and averages belong to
/// it), and replaced models are disposed with the factory.
/// </summary>
public sealed class LiveClassifierFactory : ILiveClassifierFactory, IDisposable
{
    private readonly List<ILiveClassifierModel> _retired = [];
    private readonly List<ModelVersionWatcher> _watchers = [];
    private readonly Lock _gate = new();
    private ILiveClassifierModel[] _models;
    private readonly double _intervalSeconds;
    private readonly double _averageSeconds;

    public LiveClassifierFactory(IEnumerable<ILiveClassifierModel> models, double intervalSeconds = 5, double averageSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = [.. models];
        _intervalSeconds = intervalSeconds;
        _averageSeconds = averageSeconds;
        foreach (ILiveClassifierModel model in _models)
        {
            _ = model.CreateClassifier(intervalSeconds, averageSeconds); // checks the settings now, not per device
        }
    }

    /// <summary>The loaded models.</summary>
    public IReadOnlyList<ILiveClassifierModel> Models => Volatile.Read(ref _models);

    /// <summary>
    /// Loads every model of <see cref="LiveClassificationOptions.Models"/> from <paramref name="registryRoot"/>;
    /// <paramref name="reportProblem"/> gets one sentence per model left out (missing, corrupt, trained on other features).
    /// </summary>
    public static LiveClassifierFactory Load(string registryRoot, LiveClassificationOptions options, Action<string> reportProblem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registryRoot);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reportProblem);
        options.ThrowIfInvalid();
        var models = new List<ILiveClassifierModel>();
        var registry = new ModelRegistry(registryRoot);
        foreach (string name in options.ModelNames())
        {
            try
            {
                ILiveClassifierModel model = LiveClassifierModel.LoadAny(registry, name);
                models.Add(model);
                HeartStreamMetrics.SetModelInfo(model.Name, model.Version, model.Session.ExecutionProvider);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or OnnxRuntimeException or UnauthorizedAccessException or ArgumentException)
            {
                reportProblem($"classifier {name} not loaded, live classification goes on without it: {e.Message}");
            }
        }

        return new LiveClassifierFactory(models, options.IntervalSeconds, options.AverageSeconds);
    }

    public IReadOnlyList<ILiveClassifier> Create(string deviceId)
    {
        ILiveClassifierModel[] models = Volatile.Read(ref _models);
        var classifiers = new ILiveClassifier[models.Length];
        for (int i = 0; i < classifiers.Length; i++)
        {
            classifiers[i] = models[i].CreateClassifier(_intervalSeconds, _averageSeconds);
        }

        return classifiers;
    }

    /// <summary>
    /// Loads <paramref name="version"/> of the served classifier <paramref name="name"/> from <paramref name="registry"/>
    /// (manifest, file hash, feature settings), runs the test inference and serves it to new devices. False, with the
    /// reason, keeps the running version.
    /// </summary>
    public bool TryReload(ModelRegistry registry, string name, string version, out string message)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ILiveClassifierModel? candidate = null;
        lock (_gate)
        {
            int index = Array.FindIndex(_models, m => m.Name == name);
            string previous = index >= 0 ? _models[index].Identity : "(none)";
            try
            {
                if (index < 0)
                {
                    throw new ArgumentException($"classifier {name} is not served by this instance");
                }

                candidate = LiveClassifierModel.LoadAny(registry, name, version);
                candidate.SelfTest();
                _ = candidate.CreateClassifier(_intervalSeconds, _averageSeconds);
            }
#pragma warning disable CA1031 // an untrusted model must never stop the live service; the reason is reported
            catch (Exception e)
#pragma warning restore CA1031
            {
                candidate?.Dispose();
                message = $"rejected {name} {version}: {e.Message}; keeping {previous}";
                return false;
            }

            ILiveClassifierModel[] next = [.. _models];
            _retired.Add(next[index]);
            next[index] = candidate;
            Volatile.Write(ref _models, next);
            HeartStreamMetrics.SetModelInfo(candidate.Name, candidate.Version, candidate.Session.ExecutionProvider);
            message = $"reloaded {name}: {previous} -> {candidate.Identity} for devices that connect from now on";
            return true;
        }
    }

    /// <summary>Watches every served classifier in <paramref name="registry"/> and reloads a new default version; disposed with the factory.</summary>
    public void Watch(ModelRegistry registry, Action<bool, string> report, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (_gate)
        {
            foreach (ILiveClassifierModel model in _models)
            {
                string name = model.Name;
                _watchers.Add(new ModelVersionWatcher(registry, name, model.Version, (string version, out string message) => TryReload(registry, name, version, out message), report, interval));
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (ModelVersionWatcher watcher in _watchers)
            {
                watcher.Dispose();
            }

            foreach (ILiveClassifierModel model in _models)
            {
                HeartStreamMetrics.RemoveModelInfo(model.Name);
                model.Dispose();
            }

            foreach (ILiveClassifierModel model in _retired)
            {
                model.Dispose();
            }
        }
    }
}
