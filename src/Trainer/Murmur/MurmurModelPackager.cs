using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;
using HeartStream.Training.Models;
using HeartStream.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// Turns a murmur cross-validation into a shipped model: the decision rule from the out-of-fold scores
/// (<see cref="Rule"/>) and the registry layout <c>root/name/version/{model.onnx, manifest.json}</c> of kind
/// "frame-classifier" (<see cref="Save"/>), which the service and `analyze` load with FrameClassifierModel.
/// </summary>
public static class MurmurModelPackager
{
    /// <summary>
    /// The decision rule from out-of-fold patient scores: the thresholds that maximise weighted accuracy on all of
    /// them, a logistic calibration of Present against Absent on logit(score), and the "cannot tell" limits the
    /// cross-validation applied (<see cref="FrameTrainingOptions.MinHeardSeconds"/>, <see cref="FrameTrainingOptions.MinConfidence"/>).
    /// </summary>
    public static MurmurRule Rule(MurmurCvResult cv, FrameTrainingOptions options, double populationPrevalence = 0.19)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cv);
        MurmurThresholds t = cv.AllOutOfFold;
        PatientScore[] labelled = [.. cv.Scores.Where(s => s.Truth != MurmurStatus.Unknown && !double.IsNaN(s.Score))];
        (double slope, double intercept) = Calibrate(labelled);
        return new MurmurRule
        {
            UnknownAt = Math.Min(t.Unknown, 1),
            PresentAt = Math.Min(t.Present, 1),
            CalibrationSlope = slope,
            CalibrationIntercept = intercept,
            TrainingPrevalence = (double)labelled.Count(s => s.Truth == MurmurStatus.Present) / Math.Max(1, labelled.Length),
            PopulationPrevalence = populationPrevalence,
            MinHeardSeconds = options.MinHeardSeconds,
            MinConfidence = options.MinConfidence,
        };
    }

    /// <summary>
    /// Logistic regression of Present (1) against Absent (0) on logit(score) by Newton's method; returns slope and
    /// intercept. Scores are clamped to 1e-4 .. 1 − 1e-4 as <see cref="MurmurRule.Probability"/> does.
    /// </summary>
    public static (double Slope, double Intercept) Calibrate(IReadOnlyList<PatientScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!scores.Any(s => s.Truth == MurmurStatus.Present) || !scores.Any(s => s.Truth == MurmurStatus.Absent))
        {
            throw new ArgumentException("Calibration needs Present and Absent patients.", nameof(scores));
        }

        double[] x = [.. scores.Select(s => Math.Clamp(s.Score, 1e-4, 1 - 1e-4)).Select(s => Math.Log(s / (1 - s)))];
        double[] y = [.. scores.Select(s => s.Truth == MurmurStatus.Present ? 1.0 : 0.0)];
        double a = 1, b = 0;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6; // a tiny ridge keeps a separable set finite
            for (int i = 0; i < x.Length; i++)
            {
                double p = 1 / (1 + Math.Exp(-((a * x[i]) + b)));
                double w = p * (1 - p);
                ga += (p - y[i]) * x[i];
                gb += p - y[i];
                haa += w * x[i] * x[i];
                hab += w * x[i];
                hbb += w;
            }

            double det = (haa * hbb) - (hab * hab);
            double da = ((hbb * ga) - (hab * gb)) / det;
            double db = ((haa * gb) - (hab * ga)) / det;
            a -= da;
            b -= db;
            if (Math.Abs(da) + Math.Abs(db) < 1e-10)
            {
                break;
            }
        }

        return (a, b);
    }

    /// <summary>Exports <paramref name="model"/> and writes its manifest; returns the manifest.</summary>
    public static ModelManifest Save(
        nn.Module<Tensor, Tensor> model,
        FrameTcnSpec spec,
        MurmurRule rule,
        string registryRoot,
        string name,
        string version,
        int windowFrames,
        FeatureSettings envelope,
        SpectrogramSettings spectrum,
        string trainingData,
        string split,
        double trainingSeconds,
        IReadOnlyDictionary<string, double> metrics,
        string command)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentException.ThrowIfNullOrWhiteSpace(registryRoot);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        string dir = Path.Combine(registryRoot, name, version);
        OnnxGraphBuilder builder = TorchOnnxExporter.FrameModel(model, spec.InputChannels, spec.Classes, name);
        builder.DocString = "HeartStream murmur frame model: normalised envelope + log-power spectrum frames -> S1/systole/S2/diastole/murmur posteriors. " + spec.Describe();
        builder.SetMetadata("feature_settings_sha256", envelope.Hash());
        builder.SetMetadata("spectrogram_settings_sha256", spectrum.Hash());
        builder.SetMetadata("version", version);
        byte[] onnx = builder.ToBytes();
        var parityInput = new float[spec.InputChannels * windowFrames]; // deterministic, normalised-feature sized values
        for (int i = 0; i < parityInput.Length; i++)
        {
            parityInput[i] = (float)Math.Sin(i * 0.37) * 2;
        }

        OnnxParity.Check(model, onnx, parityInput, spec.InputChannels, spec.Classes, $"{name} {version}");
        Directory.CreateDirectory(dir);
        string modelPath = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(modelPath, onnx);
        long parameters = model.parameters().Sum(p => p.numel());
        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            Kind = ModelManifest.FrameClassifierKind,
            Inputs = [new ModelTensorSpec(OnnxNames.InputName, ["batch", spec.InputChannels.ToString(CultureInfo.InvariantCulture), "time"])],
            Outputs = [new ModelTensorSpec(OnnxNames.PosteriorsName, ["batch", spec.Classes.ToString(CultureInfo.InvariantCulture), "time"])],
            Classes = MurmurFrameLabels.Names,
            WindowFrames = windowFrames,
            HopFrames = windowFrames / 2,
            FeatureSettings = envelope.CanonicalText(),
            FeatureSettingsHash = envelope.Hash(),
            SpectrogramSettings = spectrum.CanonicalText(),
            SpectrogramSettingsHash = spectrum.Hash(),
            Murmur = rule,
            Architecture = spec.Describe(),
            ParameterCount = (int)parameters,
            FileSizeBytes = new FileInfo(modelPath).Length,
            Sha256 = ModelRegistry.Sha256Of(modelPath),
            TrainingData = trainingData,
            Split = split,
            TrainingSeconds = Math.Round(trainingSeconds, 1),
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Metrics = metrics,
            Command = command,
        };
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJson());
        return manifest;
    }
}
