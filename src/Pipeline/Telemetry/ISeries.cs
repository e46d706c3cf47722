namespace HeartStream.Pipeline.Telemetry;

/// <summary>One label combination of a metric.</summary>
internal interface ISeries
{
    LabelSet Labels { get; }
}
