namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// Fixed facts per <see cref="AlertType"/>: priority, category and the wire name used in alert ids and MQTT
/// payloads. Kept in one place so docs, payloads and engine cannot disagree.
/// </summary>
public static class AlertTypeInfo
{
    /// <summary>All types, in enum order.</summary>
    public static IReadOnlyList<AlertType> All { get; } = Enum.GetValues<AlertType>();

    /// <summary>IEC 60601-1-8 priority of the condition.</summary>
    public static AlertPriority Priority(AlertType type) => type switch
    {
        AlertType.NoHeartSounds => AlertPriority.High,
        AlertType.Tachycardia or AlertType.Bradycardia or AlertType.DeviceSignalLost => AlertPriority.Medium,
        AlertType.IrregularRhythm or AlertType.SuspectedMurmur or AlertType.AbnormalHeartSound or AlertType.PoorSignal => AlertPriority.Low,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown alert type."),
    };

    /// <summary>Physiological (patient) or technical (equipment/signal).</summary>
    public static AlertCategory Category(AlertType type) => type switch
    {
        AlertType.PoorSignal or AlertType.DeviceSignalLost => AlertCategory.Technical,
        AlertType.Tachycardia or AlertType.Bradycardia or AlertType.IrregularRhythm or AlertType.SuspectedMurmur
            or AlertType.AbnormalHeartSound or AlertType.NoHeartSounds => AlertCategory.Physiological,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown alert type."),
    };

    /// <summary>Kebab-case name used on the wire and in alert ids, e.g. "no-heart-sounds".</summary>
    public static string WireName(AlertType type) => type switch
    {
        AlertType.Tachycardia => "tachycardia",
        AlertType.Bradycardia => "bradycardia",
        AlertType.IrregularRhythm => "irregular-rhythm",
        AlertType.SuspectedMurmur => "suspected-murmur",
        AlertType.AbnormalHeartSound => "abnormal-heart-sound",
        AlertType.NoHeartSounds => "no-heart-sounds",
        AlertType.PoorSignal => "poor-signal",
        AlertType.DeviceSignalLost => "device-signal-lost",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown alert type."),
    };

    /// <summary>Whether poor signal quality suppresses the condition (it then neither raises nor clears).</summary>
    public static bool IsSuppressedByPoorSignal(AlertType type) =>
        type is AlertType.Tachycardia or AlertType.Bradycardia or AlertType.IrregularRhythm
            or AlertType.SuspectedMurmur or AlertType.AbnormalHeartSound;
}
