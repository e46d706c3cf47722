using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Commands;

/// <summary>What <see cref="AlertBench"/> measured for one recording: its length, the alerts raised, or why it failed.</summary>
internal sealed record AlertBenchResult(AlertBenchRecording Recording, double Seconds, IReadOnlyList<AlertEvent> Raised, string? Error)
{
    /// <summary>Every final sound the analysis emitted, in order (for the evidence lines).</summary>
    public IReadOnlyList<HeartSound> Sounds { get; init; } = [];
}
