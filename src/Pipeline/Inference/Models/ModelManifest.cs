using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// manifest.json beside a shipped model.onnx: what the model is, the exact features it was trained on (canonical text
/// and its SHA-256, so a feature change can never be served with a stale model), the data and split, measured
/// figures, and the model file's size and SHA-256 (so a truncated or swapped file is refused with a clear message).
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file on disk, never HTML: keep '>' and '+' readable
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Name { get; init; }

    /// <summary>Dotted numeric version ("1.0.0"); compared part by part.</summary>
    public required string Version { get; init; }

    /// <summary>Model kinds a manifest may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["segmenter", "classifier", FrameClassifierKind];

    /// <summary>
    /// A frame classifier (the murmur frame model): "features" [batch, envelope + spectral channels, time] →
    /// "posteriors" [batch, classes, time], with the spectrogram settings and a <see cref="MurmurRule"/>.
    /// </summary>
    public const string FrameClassifierKind = "frame-classifier";

    /// <summary>"segmenter", "classifier" (one result per window) or "frame-classifier" (per-frame posteriors).</summary>
    public required string Kind { get; init; }

    /// <summary>Model file name inside the version folder.</summary>
    public string ModelFile { get; init; } = "model.onnx";

    public IReadOnlyList<ModelTensorSpec> Inputs { get; init; } = [];

    public IReadOnlyList<ModelTensorSpec> Outputs { get; init; } = [];

    /// <summary>Output classes in order (the heart states for a segmenter).</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    /// <summary>Frames per window in training and serving.</summary>
    public int WindowFrames { get; init; } = 256;

    /// <summary>Serving hop between windows (frames).</summary>
    public int HopFrames { get; init; } = 128;

    /// <summary>
    /// Segmenters with a bounded look-ahead: the future frames an output frame depends on (null: a centred network
    /// whose receptive field reaches as far ahead as back). The offline pass then takes each frame's posteriors from a
    /// window holding its whole context, and the live path can give the very same posteriors with this look-ahead.
    /// </summary>
    public int? FutureFrames { get; init; }

    /// <summary>With <see cref="FutureFrames"/>: the past frames an output frame depends on.</summary>
    public int? PastFrames { get; init; }

    /// <summary>FeatureSettings.CanonicalText() at training time.</summary>
    public required string FeatureSettings { get; init; }

    /// <summary>FeatureSettings.Hash() at training time; must equal the serving build's hash.</summary>
    public required string FeatureSettingsHash { get; init; }

    /// <summary>Frame classifiers: SpectrogramSettings.CanonicalText() at training time.</summary>
    public string? SpectrogramSettings { get; init; }

    /// <summary>Frame classifiers: SpectrogramSettings.Hash() at training time; must equal the serving build's.</summary>
    public string? SpectrogramSettingsHash { get; init; }

    /// <summary>Frame classifiers of murmur: how frame posteriors become a score, a probability and a decision.</summary>
    public MurmurRule? Murmur { get; init; }

    /// <summary>For segmenters: the HSMM decoder parameters file (durations, priors, sound offset) in the version folder.</summary>
    public string? DecoderFile { get; init; }

    public string Architecture { get; init; } = string.Empty;

    public int ParameterCount { get; init; }

    public long FileSizeBytes { get; init; }

    public string Sha256 { get; init; } = string.Empty;

    public string TrainingData { get; init; } = string.Empty;

    public string Split { get; init; } = string.Empty;

    public double TrainingSeconds { get; init; }

    /// <summary>UTC date of training, yyyy-MM-dd.</summary>
    public string Date { get; init; } = string.Empty;

    /// <summary>Measured figures, e.g. "val_f1", "test_f1", "val_frame_accuracy".</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>How the model was trained (the command line).</summary>
    public string Command { get; init; } = string.Empty;

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses and checks required fields; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static ModelManifest FromJson(string json, string source = "manifest")
    {
        ArgumentNullException.ThrowIfNull(json);
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid model manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{source} is empty (null)");
        }

        if (!Kinds.Contains(manifest.Kind))
        {
            throw new InvalidDataException($"{source}: kind must be one of {string.Join(", ", Kinds.Select(k => $"'{k}'"))}, got '{manifest.Kind}'");
        }

        if (manifest.Kind == FrameClassifierKind && (string.IsNullOrWhiteSpace(manifest.SpectrogramSettingsHash) || manifest.Murmur is null))
        {
            throw new InvalidDataException($"{source}: a {FrameClassifierKind} needs spectrogramSettingsHash and murmur (its decision rule)");
        }

        if (manifest.Murmur is { } rule && rule.Problem() is string problem)
        {
            throw new InvalidDataException($"{source}: murmur rule: {problem}");
        }

        if (string.IsNullOrWhiteSpace(manifest.FeatureSettingsHash) || string.IsNullOrWhiteSpace(manifest.ModelFile))
        {
            throw new InvalidDataException($"{source}: featureSettingsHash and modelFile are required");
        }

        if (manifest.FutureFrames.HasValue != manifest.PastFrames.HasValue || manifest.FutureFrames < 0 || manifest.PastFrames < 0
            || (manifest.FutureFrames.HasValue && manifest.PastFrames + manifest.FutureFrames >= manifest.WindowFrames))
        {
            throw new InvalidDataException($"{source}: futureFrames and pastFrames go together, are not negative and leave room in the window of {manifest.WindowFrames} frames; got {manifest.FutureFrames?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} and {manifest.PastFrames?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        }

        if (manifest.ModelFile.Contains('/', StringComparison.Ordinal) || manifest.ModelFile.Contains('\\', StringComparison.Ordinal) || manifest.ModelFile.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: modelFile must be a plain file name, got '{manifest.ModelFile}'");
        }

        return manifest;
    }
}
