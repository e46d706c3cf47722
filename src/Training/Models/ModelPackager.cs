using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Training.Onnx;

namespace HeartStream.Training.Models;

/// <summary>
/// Writes a trained model into the registry layout: <c>root/name/version/model.onnx</c>, <c>manifest.json</c> (with the
/// file's size and SHA-256 and the feature settings' canonical text and hash) and, for a segmenter, <c>decoder.json</c>.
/// </summary>
public static class ModelPackager
{
    public const string DecoderFileName = "decoder.json";

    /// <summary>Saves a segmenter; returns the manifest written.</summary>
    public static ModelManifest SaveSegmenter(
        SegmenterTrainingResult result,
        string registryRoot,
        string name,
        string version,
        FeatureSettings settings,
        string trainingData,
        string split,
        IReadOnlyDictionary<string, double> metrics,
        string command,
        int windowFrames,
        int hopFrames)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(settings);
        string dir = VersionDirectory(registryRoot, name, version);
        OnnxGraphBuilder builder = result.Graph;
        builder.DocString = "HeartStream neural segmenter: normalised Springer features -> S1/systole/S2/diastole posteriors. " + result.Architecture;
        builder.SetMetadata("feature_settings_sha256", settings.Hash());
        builder.SetMetadata("version", version);
        string modelPath = Path.Combine(dir, "model.onnx");
        builder.Save(modelPath);
        result.Decoder.Save(Path.Combine(dir, DecoderFileName));
        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            Kind = "segmenter",
            Inputs = [new ModelTensorSpec(OnnxNames.InputName, ["batch", settings.Channels.ToString(CultureInfo.InvariantCulture), "time"])],
            Outputs = [new ModelTensorSpec(OnnxNames.PosteriorsName, ["batch", "4", "time"])],
            Classes = ["S1", "Systole", "S2", "Diastole"],
            WindowFrames = windowFrames,
            HopFrames = hopFrames,
            FeatureSettings = settings.CanonicalText(),
            FeatureSettingsHash = settings.Hash(),
            DecoderFile = DecoderFileName,
            Architecture = result.Architecture,
            ParameterCount = result.ParameterCount,
            FileSizeBytes = new FileInfo(modelPath).Length,
            Sha256 = ModelRegistry.Sha256Of(modelPath),
            TrainingData = trainingData,
            Split = split,
            TrainingSeconds = Math.Round(result.TrainingSeconds, 1),
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Metrics = metrics,
            Command = command,
        };
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJson());
        return manifest;
    }

    private static string VersionDirectory(string registryRoot, string name, string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registryRoot);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        string dir = Path.Combine(registryRoot, name, version);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
