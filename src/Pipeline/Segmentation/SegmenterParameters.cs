using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Everything the Springer segmenter learns or is configured with, saved as one small JSON file: logistic weights,
/// the state priors the posteriors are calibrated under, the duration model and the heart-rate search range.
/// <see cref="Version"/> guards against loading a file written for a different layout.
/// </summary>
public sealed record SegmenterParameters
{
    /// <summary>The layout this code reads and writes.</summary>
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Feature channels per frame the weights expect.</summary>
    public int Channels { get; init; }

    /// <summary>Frames per second of the features and envelope.</summary>
    public double FrameRate { get; init; } = AnalysisRate.FrameRate;

    /// <summary>Row-major [state][bias, channel weights...], 4 x (1 + Channels).</summary>
    public IReadOnlyList<double> Weights { get; init; } = [];

    /// <summary>
    /// P(state) the posteriors are calibrated under; emissions are posteriors divided by these. Uniform for the
    /// class-balanced logistic model.
    /// </summary>
    public IReadOnlyList<double> StatePriors { get; init; } = [0.25, 0.25, 0.25, 0.25];

    public DurationParameters Durations { get; init; } = new();

    public double MinBpm { get; init; } = 30;

    public double MaxBpm { get; init; } = 240;

    /// <summary>
    /// Added to every sound's times: the causal feature filters lag the audio by a few tens of milliseconds, and
    /// training measures that lag against the reference annotations (median centre offset) so serving can undo it.
    /// </summary>
    public double SoundOffsetSeconds { get; init; }

    /// <summary>
    /// <see cref="Features.FeatureSettings.Hash"/> of the features the weights were trained on; empty for hand-made
    /// parameters. A service refuses parameters whose hash differs from its own feature settings.
    /// </summary>
    public string FeatureSettingsHash { get; init; } = string.Empty;

    /// <summary>Where the weights came from (data, split, date); free text for people.</summary>
    public string TrainedOn { get; init; } = string.Empty;

    /// <summary>Packs a trained model with a duration model (Springer's defaults when null).</summary>
    public static SegmenterParameters FromModel(LogisticEmissionModel model, DurationParameters? durations = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new SegmenterParameters
        {
            Channels = model.Channels,
            Weights = model.GetWeights(),
            Durations = durations ?? new DurationParameters(),
        };
    }

    /// <summary>Builds the emission model these parameters describe.</summary>
    public LogisticEmissionModel CreateModel()
    {
        Validate();
        return new LogisticEmissionModel(Weights.ToArray(), Channels);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (Version != CurrentVersion)
        {
            throw new InvalidDataException($"segmenter parameters version {Version} is not supported (expected {CurrentVersion})");
        }

        if (Channels < 1)
        {
            throw new InvalidDataException($"channels must be >= 1, got {Channels}");
        }

        if (!(FrameRate > 0) || !double.IsFinite(FrameRate))
        {
            throw new InvalidDataException($"frameRate must be positive, got {FrameRate}");
        }

        int expected = LogisticEmissionModel.States * (Channels + 1);
        if (Weights is null || Weights.Count != expected)
        {
            throw new InvalidDataException($"weights must have 4 x (1 + {Channels}) = {expected} values, got {Weights?.Count ?? 0}");
        }

        if (Weights.Any(w => !double.IsFinite(w)))
        {
            throw new InvalidDataException("weights contain a non-finite value");
        }

        if (StatePriors is null || StatePriors.Count != LogisticEmissionModel.States || StatePriors.Any(p => !(p > 0) || !double.IsFinite(p)))
        {
            throw new InvalidDataException("statePriors must be 4 positive finite values");
        }

        if (Durations is null)
        {
            throw new InvalidDataException("durations are missing");
        }

        try
        {
            Durations.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("durations: " + e.Message, e);
        }

        if (!double.IsFinite(SoundOffsetSeconds) || Math.Abs(SoundOffsetSeconds) > 1)
        {
            throw new InvalidDataException($"soundOffsetSeconds must be within ±1 s, got {SoundOffsetSeconds}");
        }

        if (!(MinBpm > 0) || !(MaxBpm > MinBpm) || !double.IsFinite(MaxBpm))
        {
            throw new InvalidDataException($"heart-rate range must satisfy 0 < minBpm < maxBpm, got {MinBpm}..{MaxBpm}");
        }
    }

    public string ToJson()
    {
        Validate();
        return JsonSerializer.Serialize(this, s_json);
    }

    /// <summary>Parses and validates; malformed or inconsistent JSON gives <see cref="InvalidDataException"/>.</summary>
    public static SegmenterParameters FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SegmenterParameters? parameters;
        try
        {
            parameters = JsonSerializer.Deserialize<SegmenterParameters>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("segmenter parameters are not valid JSON: " + e.Message, e);
        }

        if (parameters is null)
        {
            throw new InvalidDataException("segmenter parameters JSON is null");
        }

        parameters.Validate();
        return parameters;
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static SegmenterParameters Load(string path)
    {
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
