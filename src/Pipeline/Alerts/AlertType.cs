namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// The alarm conditions the engine knows. Priority and category of each are fixed by <see cref="AlertTypeInfo"/>
/// so that a consumer can rely on them (IEC 60601-1-8 assigns a priority per condition, not per occurrence).
/// </summary>
public enum AlertType
{
    /// <summary>Heart rate above the profile's tachycardia limit.</summary>
    Tachycardia,

    /// <summary>Heart rate below the profile's bradycardia limit.</summary>
    Bradycardia,

    /// <summary>Irregular S1-S1 intervals and/or a high extrasystole probability (suspected extrasystoles).</summary>
    IrregularRhythm,

    /// <summary>High murmur probability from the classifier.</summary>
    SuspectedMurmur,

    /// <summary>High "abnormal" probability from the classifier.</summary>
    AbnormalHeartSound,

    /// <summary>Usable signal level but no heart sounds detected (asystole-like). The only high-priority alert.</summary>
    NoHeartSounds,

    /// <summary>Signal quality too poor to analyse, or the classifier sees mostly artifact (technical).</summary>
    PoorSignal,

    /// <summary>No usable audio from the device: offline, error, no signal, or silence (technical).</summary>
    DeviceSignalLost,
}
