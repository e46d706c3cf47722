namespace HeartStream.Pipeline.Alerts;

/// <summary>IEC 60601-1-8 distinguishes conditions about the patient from conditions about the equipment.</summary>
public enum AlertCategory
{
    /// <summary>About the patient (heart rate, rhythm, heart sounds).</summary>
    Physiological,

    /// <summary>About the equipment or signal (poor contact, device lost).</summary>
    Technical,
}
