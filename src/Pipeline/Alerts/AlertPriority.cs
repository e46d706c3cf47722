namespace HeartStream.Pipeline.Alerts;

/// <summary>IEC 60601-1-8 alarm priority: how quickly an operator must respond.</summary>
public enum AlertPriority
{
    /// <summary>Operator awareness is required.</summary>
    Low,

    /// <summary>Prompt operator response is required.</summary>
    Medium,

    /// <summary>Immediate operator response is required.</summary>
    High,
}
