using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// The result of a segmentation evaluation as written to JSON (models/manifest.json, `heartstream eval`): pooled
/// Se/PPV/F1 for both sounds, per sound, heart-rate MAE, and optionally one row per recording. Ratios with no
/// denominator are 0 (the counts in s1/s2 tell why); hr_mae_bpm is null when no window could be scored.
/// </summary>
public sealed record EvaluationReport
{
    private static readonly JsonSerializerOptions s_jsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonPropertyName("recordings")]
    public required int Recordings { get; init; }

    [JsonPropertyName("tolerance_ms")]
    public required double ToleranceMs { get; init; }

    [JsonPropertyName("se")]
    public required double Se { get; init; }

    [JsonPropertyName("ppv")]
    public required double Ppv { get; init; }

    [JsonPropertyName("f1")]
    public required double F1 { get; init; }

    [JsonPropertyName("s1")]
    public required SoundMetrics S1 { get; init; }

    [JsonPropertyName("s2")]
    public required SoundMetrics S2 { get; init; }

    [JsonPropertyName("hr_mae_bpm")]
    public double? HrMaeBpm { get; init; }

    [JsonPropertyName("hr_windows")]
    public int HrWindows { get; init; }

    [JsonPropertyName("per_recording")]
    public IReadOnlyList<RecordingEvaluation>? PerRecording { get; init; }

    /// <summary>Builds the report from pooled segmentation counts and (optionally) pooled heart-rate error.</summary>
    public static EvaluationReport Create(
        SegmentationScoreAccumulator segmentation,
        double toleranceSeconds,
        HeartRateError? heartRate = null,
        IReadOnlyList<RecordingEvaluation>? perRecording = null)
    {
        ArgumentNullException.ThrowIfNull(segmentation);
        MatchCounts both = segmentation.Total.Both;
        return new EvaluationReport
        {
            Recordings = segmentation.Recordings,
            ToleranceMs = Math.Round(toleranceSeconds * 1000.0, 6),
            Se = both.Sensitivity,
            Ppv = both.PositivePredictiveValue,
            F1 = both.F1,
            S1 = SoundMetrics.From(segmentation.Total.S1),
            S2 = SoundMetrics.From(segmentation.Total.S2),
            HrMaeBpm = heartRate?.MeanAbsoluteErrorBpm,
            HrWindows = heartRate?.Windows ?? 0,
            PerRecording = perRecording,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_jsonOptions);

    public static EvaluationReport FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<EvaluationReport>(json, s_jsonOptions)
            ?? throw new InvalidDataException("Evaluation report JSON is 'null'.");
    }
}
