using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// One lifecycle step of an alert episode. <paramref name="AlertId"/> is the same for Raised, Updated and Cleared of
/// one episode and differs between episodes, so a consumer can correlate and acknowledge.
/// </summary>
/// <param name="AlertId">Stable per episode: "{prefix}{device}-{type}-{sequence}".</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Type">The alarm condition.</param>
/// <param name="Priority">Fixed per type.</param>
/// <param name="Category">Fixed per type.</param>
/// <param name="State">Raised, Updated or Cleared.</param>
/// <param name="StreamTimeSeconds">Stream time of this step.</param>
/// <param name="OnsetSeconds">When the condition started to hold (raised = onset + onset delay, or later).</param>
/// <param name="RaisedSeconds">When the alert was raised.</param>
/// <param name="ClearedSeconds">When it cleared; null unless <paramref name="State"/> is Cleared.</param>
/// <param name="Acknowledged">Whether an operator acknowledged the episode.</param>
/// <param name="Evidence">The device's values at this step.</param>
/// <param name="Message">Human-readable one-line text.</param>
public sealed record AlertEvent(
    string AlertId,
    string DeviceId,
    AlertType Type,
    AlertPriority Priority,
    AlertCategory Category,
    AlertState State,
    double StreamTimeSeconds,
    double OnsetSeconds,
    double RaisedSeconds,
    double? ClearedSeconds,
    bool Acknowledged,
    AlertEvidence Evidence,
    string Message)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
