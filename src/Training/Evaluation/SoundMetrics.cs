using System.Text.Json.Serialization;

namespace HeartStream.Training.Evaluation;

/// <summary>Se/PPV/F1 of one matching plus the counts they come from (JSON: snake_case).</summary>
public sealed record SoundMetrics(
    [property: JsonPropertyName("se")] double Se,
    [property: JsonPropertyName("ppv")] double Ppv,
    [property: JsonPropertyName("f1")] double F1,
    [property: JsonPropertyName("matched")] int Matched,
    [property: JsonPropertyName("references")] int References,
    [property: JsonPropertyName("detections")] int Detections)
{
    public static SoundMetrics From(MatchCounts counts) =>
        new(counts.Sensitivity, counts.PositivePredictiveValue, counts.F1, counts.Matched, counts.References, counts.Detections);
}
