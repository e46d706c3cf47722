using System.Globalization;

namespace HeartStream.Pipeline.Alerts;

/// <summary>One-line operator text for an alert step, built from its evidence (invariant culture, stable for tests).</summary>
public static class AlertMessages
{
    /// <summary>The message for one alert step; <paramref name="reason"/> overrides the clear wording when given.</summary>
    public static string Describe(AlertProfile profile, AlertType type, AlertState state, AlertEvidence evidence, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(evidence);
        string what = type switch
        {
            AlertType.Tachycardia => F($"Tachycardia: heart rate {Num(evidence.HeartRateBpm, "0")} bpm, above the {profile.Name} limit of {profile.TachycardiaRaiseBpm} bpm"),
            AlertType.Bradycardia => F($"Bradycardia: heart rate {Num(evidence.HeartRateBpm, "0")} bpm, below the {profile.Name} limit of {profile.BradycardiaRaiseBpm} bpm"),
            AlertType.IrregularRhythm => F($"Irregular rhythm / suspected extrasystoles: interval variation {Num(evidence.IntervalIrregularity, "0.00")}, extrasystole probability {Num(evidence.Probability, "0.00")}"),
            AlertType.SuspectedMurmur => F($"Suspected murmur: probability {Num(evidence.Probability, "0.00")}"),
            AlertType.AbnormalHeartSound => F($"Abnormal heart sound: probability {Num(evidence.Probability, "0.00")}"),
            AlertType.NoHeartSounds => F($"No heart sounds detected at a usable signal level (signal quality {Num(evidence.SignalQuality, "0.00")})"),
            AlertType.PoorSignal => F($"Poor signal: quality {Num(evidence.SignalQuality, "0.00")}, artifact probability {Num(evidence.Probability, "0.00")}"),
            AlertType.DeviceSignalLost => F($"Device signal lost: status {evidence.DeviceStatus?.ToString() ?? "unknown"}, last data at {Num(evidence.LastDataSeconds, "0.0")} s"),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown alert type."),
        };
        return state switch
        {
            AlertState.Raised => what,
            AlertState.Updated => what + " (updated)",
            _ => what + " - cleared" + (reason is null ? "" : " (" + reason + ")"),
        };
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Num(double? value, string format) =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
