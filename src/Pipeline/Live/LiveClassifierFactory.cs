using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The <see cref="ILiveClassifierFactory"/> of the service: the configured classifier models are loaded once (one
/// shared ONNX session each) and every device gets its own <see cref="LiveWindowClassifier"/> per model. A model that
/// cannot be loaded is reported and left out, so a bad model never stops segmentation.
/// </summary>
public sealed class LiveClassifierFactory : ILiveClassifierFactory, IDisposable
{
    private readonly LiveClassifierModel[] _models;
    private readonly double _intervalSeconds;
    private readonly double _averageSeconds;

    public LiveClassifierFactory(IEnumerable<LiveClassifierModel> models, double intervalSeconds = 5, double averageSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = [.. models];
        _intervalSeconds = intervalSeconds;
        _averageSeconds = averageSeconds;
        foreach (LiveClassifierModel model in _models)
        {
            _ = new LiveWindowClassifier(model, intervalSeconds, averageSeconds); // checks the settings now, not per device
        }
    }

    /// <summary>The loaded models.</summary>
    public IReadOnlyList<LiveClassifierModel> Models => _models;

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
        var models = new List<LiveClassifierModel>();
        foreach (string name in options.ModelNames())
        {
            try
            {
                LiveClassifierModel model = LiveClassifierModel.Load(registryRoot, name);
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

    public IReadOnlyList<LiveWindowClassifier> Create(string deviceId)
    {
        var classifiers = new LiveWindowClassifier[_models.Length];
        for (int i = 0; i < classifiers.Length; i++)
        {
            classifiers[i] = new LiveWindowClassifier(_models[i], _intervalSeconds, _averageSeconds);
        }

        return classifiers;
    }

    public void Dispose()
    {
        foreach (LiveClassifierModel model in _models)
        {
            HeartStreamMetrics.RemoveModelInfo(model.Name);
            model.Dispose();
        }
    }
}
