using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// One window classifier (models/classifier-*) loaded once and shared by every device's <see cref="LiveWindowClassifier"/>:
/// the ONNX session ("features" [batch, C, time] → "probabilities" [batch, classes]; ORT allows concurrent runs), the
/// window length from the manifest, and the names under which each class is reported.
/// </summary>
/// <remarks>
/// Names: every class keeps its manifest name, and a class whose name differs from the alert engine's key is also
/// reported under that key (<see cref="AlertKey"/>): murmur model "Present" → "murmur"; PASCAL "extrastole" →
/// "extrasystole". "abnormal", "murmur" and "artifact" already are keys. So a murmur-model result reads
/// {"Present", "Unknown", "Absent", "murmur"} with "murmur" = "Present".
/// </remarks>
public sealed class LiveClassifierModel : ILiveClassifierModel
{
    private const string InputName = "features";
    private const string OutputName = "probabilities";

    private readonly bool _ownsSession;
    private readonly (string Name, int Class)[] _names;

    /// <param name="session">The model; must map [batch, C, time] to [batch, classes] like <see cref="OnnxWindowClassifier"/>.</param>
    /// <param name="name">Model name, e.g. "classifier-murmur".</param>
    /// <param name="version">Model version, e.g. "1.0.0".</param>
    /// <param name="classes">Class names in output order (the manifest's).</param>
    /// <param name="windowFrames">Frames per window, as trained.</param>
    /// <param name="ownsSession">Dispose the session with this object.</param>
    public LiveClassifierModel(OnnxSession session, string name, string version, IReadOnlyList<string> classes, int windowFrames, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 8);
        OnnxTensorInfo input = session.Inputs.FirstOrDefault(i => i.Name == InputName)
            ?? throw new InvalidDataException($"classifier '{name}' has no input '{InputName}' (inputs: {string.Join(", ", session.InputNames)})");
        OnnxTensorInfo output = session.Outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new InvalidDataException($"classifier '{name}' has no output '{OutputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        if (input.Dimensions.Count != 3 || input.Dimensions[1] < 1 || output.Dimensions.Count != 2 || output.Dimensions[1] < 2)
        {
            throw new InvalidDataException(
                $"classifier '{name}' must map [batch, C, time] to [batch, classes]; it has input [{string.Join(", ", input.Dimensions)}] and output [{string.Join(", ", output.Dimensions)}]");
        }

        if (classes.Count != output.Dimensions[1])
        {
            throw new InvalidDataException($"classifier '{name}' outputs {output.Dimensions[1]} probabilities but its manifest names {classes.Count} classes");
        }

        Session = session;
        _ownsSession = ownsSession;
        Name = name;
        Version = version;
        Classes = [.. classes];
        Channels = (int)input.Dimensions[1];
        WindowFrames = windowFrames;
        var names = new List<(string, int)>();
        for (int k = 0; k < Classes.Count; k++)
        {
            names.Add((Classes[k], k));
            if (AlertKey(Classes[k]) is string key && key != Classes[k] && !Classes.Contains(key))
            {
                names.Add((key, k));
            }
        }

        _names = [.. names];
    }

    /// <summary>The shared session (thread-safe runs).</summary>
    public OnnxSession Session { get; }

    public string Name { get; }

    public string Version { get; }

    /// <summary>"name version", what <see cref="Events.ClassificationEvent.ModelVersion"/> carries.</summary>
    public string Identity => $"{Name} {Version}";

    /// <summary>Class names in output order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Feature channels per frame the model reads.</summary>
    public int Channels { get; }

    /// <summary>Frames per classified window.</summary>
    public int WindowFrames { get; }

    /// <summary>
    /// The alert engine's key for a class name (docs/ALERTS.md): "Present" → "murmur", "extrastole" → "extrasystole",
    /// "murmur", "abnormal", "artifact" as they are; null for classes the engine does not use ("normal", "Absent", …).
    /// </summary>
    public static string? AlertKey(string className) => className switch
    {
        "Present" => "murmur",
        "extrastole" or "extrasystole" => "extrasystole",
        "murmur" or "abnormal" or "artifact" => className,
        _ => null,
    };

    /// <inheritdoc />
    public ILiveClassifier CreateClassifier(double intervalSeconds, double averageSeconds) => new LiveWindowClassifier(this, intervalSeconds, averageSeconds);

    /// <inheritdoc />
    public void SelfTest()
    {
        using var probe = new OnnxWindowClassifier(Session, WindowFrames, WindowFrames);
        ModelSelfTest.CheckClassifier(probe, Identity);
    }

    /// <summary>
    /// Loads a registered live classifier of either kind: a window classifier (kind "classifier") or a frame classifier
    /// (kind "frame-classifier", <see cref="FrameClassifierModel"/>).
    /// </summary>
    public static ILiveClassifierModel LoadAny(RegisteredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Manifest.Kind == ModelManifest.FrameClassifierKind ? FrameClassifierModel.Load(model) : Load(model);
    }

    /// <summary>Resolves <paramref name="name"/> (its default or given version) in <paramref name="registry"/> and loads it, of either kind.</summary>
    public static ILiveClassifierModel LoadAny(ModelRegistry registry, string name, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return LoadAny(registry.Resolve(name, FeatureSettings.Default.Hash(), version));
    }

    /// <summary>Loads a registered classifier (see <see cref="ModelRegistry.Resolve"/>) into a session of its own.</summary>
    /// <exception cref="InvalidDataException">The model is not a window classifier, or its manifest and graph disagree.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the file.</exception>
    public static LiveClassifierModel Load(RegisteredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Manifest.Kind != "classifier")
        {
            throw new InvalidDataException($"model '{model.Manifest.Name}' is a {model.Manifest.Kind}, not a classifier");
        }

        OnnxSession session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        try
        {
            return new LiveClassifierModel(session, model.Manifest.Name, model.Manifest.Version, model.Manifest.Classes, model.Manifest.WindowFrames, ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Resolves <paramref name="name"/> (its default version) in the registry at <paramref name="registryRoot"/> and loads it.</summary>
    public static LiveClassifierModel Load(string registryRoot, string name) =>
        Load(new ModelRegistry(registryRoot).Resolve(name, FeatureSettings.Default.Hash()));

    /// <summary>Names the probabilities of one result (<see cref="Classes"/> values) with every class name and alert key.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length != Classes.Count)
        {
            throw new ArgumentException($"expected {Classes.Count} probabilities, got {probabilities.Length}", nameof(probabilities));
        }

        var named = new Dictionary<string, double>(_names.Length, StringComparer.Ordinal);
        foreach ((string name, int k) in _names)
        {
            named[name] = probabilities[k];
        }

        return named;
    }

    public void Dispose()
    {
        if (_ownsSession)
        {
            Session.Dispose();
        }
    }
}
