using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Commands;

/// <summary>
/// The classifiers of the model registry (every registered model of kind "classifier", its default version), run
/// over a recording's normalised features for <c>analyze</c>: per classifier, a probability per class name.
/// A classifier that cannot be loaded is reported once and left out; the segmentation still runs.
/// </summary>
internal sealed class ShippedClassifiers : IDisposable
{
    private readonly List<(string Name, IReadOnlyList<string> Classes, OnnxWindowClassifier Classifier)> _loaded = [];

    public ShippedClassifiers(string registryRoot, Action<string> reportProblem)
    {
        ArgumentNullException.ThrowIfNull(reportProblem);
        var registry = new ModelRegistry(registryRoot);
        if (!Directory.Exists(registryRoot))
        {
            return;
        }

        foreach (string dir in Directory.GetDirectories(registryRoot).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            if (!name.StartsWith("classifier-", StringComparison.Ordinal) || !registry.Contains(name))
            {
                continue;
            }

            try
            {
                RegisteredModel model = registry.Resolve(name, FeatureSettings.Default.Hash());
                OnnxSession session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
                var classifier = new OnnxWindowClassifier(session, model.Manifest.WindowFrames, model.Manifest.HopFrames, ownsSession: true);
                _loaded.Add(($"{name} {model.Manifest.Version}", model.Manifest.Classes, classifier));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or OnnxRuntimeException or UnauthorizedAccessException)
            {
                reportProblem($"classifier {name} not loaded: {e.Message}");
            }
        }
    }

    public int Count => _loaded.Count;

    /// <summary>Class probabilities per loaded classifier for frame-major normalised features.</summary>
    public IReadOnlyList<(string Model, IReadOnlyList<(string Class, double Probability)> Probabilities)> Classify(ReadOnlySpan<float> features)
    {
        var result = new List<(string, IReadOnlyList<(string, double)>)>(_loaded.Count);
        foreach ((string name, IReadOnlyList<string> classes, OnnxWindowClassifier classifier) in _loaded)
        {
            var p = new float[classifier.Classes];
            classifier.Predict(features, p);
            var named = new List<(string, double)>(p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                named.Add((i < classes.Count ? classes[i] : $"class{i}", p[i]));
            }

            result.Add((name, named));
        }

        return result;
    }

    public void Dispose()
    {
        foreach ((_, _, OnnxWindowClassifier classifier) in _loaded)
        {
            classifier.Dispose();
        }
    }
}
