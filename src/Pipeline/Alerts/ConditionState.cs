namespace HeartStream.Pipeline.Alerts;

/// <summary>What the latest data says about an alarm condition (engine-internal).</summary>
internal enum ConditionState
{
    /// <summary>No data, or suppressed: timers restart, nothing is raised or cleared.</summary>
    Unknown,

    /// <summary>The condition is absent (beyond the clear limit when active).</summary>
    Absent,

    /// <summary>The condition is present (beyond the raise limit, or not yet past the clear limit when active).</summary>
    Present,
}
