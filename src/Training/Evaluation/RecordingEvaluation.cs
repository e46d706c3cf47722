using System.Text.Json.Serialization;

namespace HeartStream.Training.Evaluation;

/// <summary>One recording's row of an <see cref="EvaluationReport"/> (JSON: snake_case).</summary>
public sealed record RecordingEvaluation(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("se")] double Se,
    [property: JsonPropertyName("ppv")] double Ppv,
    [property: JsonPropertyName("f1")] double F1,
    [property: JsonPropertyName("s1")] SoundMetrics S1,
    [property: JsonPropertyName("s2")] SoundMetrics S2,
    [property: JsonPropertyName("hr_mae_bpm")] double? HrMaeBpm)
{
    /// <param name="windows">The recording's heart-rate windows, if heart rate was scored; their mean error becomes hr_mae_bpm.</param>
    public static RecordingEvaluation From(string id, SoundScores scores, IReadOnlyList<HeartRateWindow>? windows = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        MatchCounts both = scores.Both;
        double? hr = windows is { Count: > 0 } ? windows.Average(w => w.AbsoluteErrorBpm) : null;
        return new RecordingEvaluation(id, both.Sensitivity, both.PositivePredictiveValue, both.F1, SoundMetrics.From(scores.S1), SoundMetrics.From(scores.S2), hr);
    }
}
