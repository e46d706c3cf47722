using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;

namespace HeartStream.Commands;

/// <summary>
/// One classifier's result for a recording: named values (class probabilities; for a murmur frame model "murmur" =
/// P(Present) and "murmur_score") and, for models with a decision rule, the decision ("Present", "Unknown", "Absent").
/// </summary>
internal sealed record ClassifierResult(string Model, IReadOnlyList<(string Class, double Probability)> Probabilities, string? Decision = null, string? Reason = null);

/// <summary>
/// The classifiers of the model registry (every registered model named classifier-*, its default version), run over
/// a recording for <c>analyze</c>: a window classifier (kind "classifier") gives a probability per class of the
/// recording's normalised features; a murmur frame model (kind "frame-classifier") scores the whole recording with
/// its shipped rule exactly as the trainer's cross-validation did (<see cref="FrameClassifierModel.Posteriors"/>) and
/// decides Present / Unknown / Absent, or "cannot tell" when the recording is too short or too unclear.
/// A classifier that cannot be loaded is reported once and left out; the segmentation still runs.
/// </summary>
internal sealed class ShippedClassifiers : IDisposable
{
    private readonly List<(string Name, IReadOnlyList<string> Classes, OnnxWindowClassifier Classifier)> _window = [];
    private readonly List<FrameClassifierModel> _frame = [];

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
                if (model.Manifest.Kind == ModelManifest.FrameClassifierKind)
                {
                    _frame.Add(FrameClassifierModel.Load(model));
                    continue;
                }

                OnnxSession session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
                var classifier = new OnnxWindowClassifier(session, model.Manifest.WindowFrames, model.Manifest.HopFrames, ownsSession: true);
                _window.Add(($"{name} {model.Manifest.Version}", model.Manifest.Classes, classifier));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or OnnxRuntimeException or UnauthorizedAccessException)
            {
                reportProblem($"classifier {name} not loaded: {e.Message}");
            }
        }
    }

    public int Count => _window.Count + _frame.Count;

    /// <summary>The decision rule of the loaded murmur frame model, or null.</summary>
    public MurmurRule? MurmurRule => _frame.FirstOrDefault(m => m.Name == "classifier-murmur")?.Rule;

    /// <summary>Every loaded classifier's result for one recording, window classifiers first.</summary>
    public IReadOnlyList<ClassifierResult> Classify(WavAudio audio, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var result = new List<ClassifierResult>(Count);
        if (_window.Count > 0)
        {
            float[] features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, settings);
            foreach ((string name, IReadOnlyList<string> classes, OnnxWindowClassifier classifier) in _window)
            {
                var p = new float[classifier.Classes];
                classifier.Predict(features, p);
                var named = new List<(string, double)>(p.Length);
                for (int i = 0; i < p.Length; i++)
                {
                    named.Add((i < classes.Count ? classes[i] : $"class{i}", p[i]));
                }

                result.Add(new ClassifierResult(name, named));
            }
        }

        foreach (FrameClassifierModel model in _frame)
        {
            float[] features = SpectralFeatures.ComputeRecording(audio.Samples, audio.SampleRate, model.Envelope, model.Spectrum, out int frames);
            if (frames < 1)
            {
                result.Add(new ClassifierResult(model.Identity, [], "cannot tell", "no audio"));
                continue;
            }

            MurmurEvidence evidence = model.Evidence(model.Posteriors(features, frames), frames);
            double seconds = frames / model.Envelope.FrameRate;
            double score = evidence.Score;
            MurmurRule rule = model.Rule;
            if (!rule.CanTell(seconds, evidence.MeanConfidence))
            {
                string reason = seconds < rule.MinHeardSeconds
                    ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s of audio, {rule.MinHeardSeconds:0} s needed")
                    : string.Create(CultureInfo.InvariantCulture, $"confidence {evidence.MeanConfidence:0.00} below {rule.MinConfidence:0.00}: the heart sounds are not clear");
                result.Add(new ClassifierResult(model.Identity, [("murmur_score", score)], "cannot tell", reason));
                continue;
            }

            result.Add(new ClassifierResult(model.Identity, [("murmur", rule.Probability(score)), ("murmur_score", score)], rule.Decide(score).ToString()));
        }

        return result;
    }

    public void Dispose()
    {
        foreach ((_, _, OnnxWindowClassifier classifier) in _window)
        {
            classifier.Dispose();
        }

        foreach (FrameClassifierModel model in _frame)
        {
            model.Dispose();
        }
    }
}
