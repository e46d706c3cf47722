using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Maps pipeline and alert events to their wire payloads: fixed lower-case names for enums, and values rounded to
/// what is meaningful (rate 0.1 bpm, quality/probability 0.001, times 1 ms) so payloads are short and stable.
/// </summary>
public static class PayloadMapper
{
    /// <summary>Vitals event → payload.</summary>
    public static VitalsPayload ToPayload(VitalsEvent vitals)
    {
        ArgumentNullException.ThrowIfNull(vitals);
        return new VitalsPayload(
            ProtocolSchema.Version,
            vitals.DeviceId,
            Time(vitals.StreamTimeSeconds),
            Round(vitals.HeartRateBpm, 1),
            Round(vitals.IntervalIrregularity, 3),
            Math.Round(vitals.SignalQuality, 3),
            vitals.BeatsInWindow);
    }

    /// <summary>Classification event → payload (probabilities rounded to 0.001, keys in the event's order; a non-finite value, which JSON cannot carry, is left out).</summary>
    public static ClassificationPayload ToPayload(ClassificationEvent classification)
    {
        ArgumentNullException.ThrowIfNull(classification);
        ArgumentNullException.ThrowIfNull(classification.Probabilities, nameof(ClassificationEvent.Probabilities));
        var probabilities = new Dictionary<string, double>(classification.Probabilities.Count, StringComparer.Ordinal);
        foreach ((string name, double p) in classification.Probabilities)
        {
            if (double.IsFinite(p))
            {
                probabilities[name] = Math.Round(p, 3);
            }
        }

        return new ClassificationPayload(ProtocolSchema.Version, classification.DeviceId, Time(classification.StreamTimeSeconds), classification.ModelVersion, probabilities);
    }

    /// <summary>Beats of one window → payload (the caller batches per second).</summary>
    public static BeatsPayload ToPayload(string deviceId, double windowStartSeconds, double windowEndSeconds, IReadOnlyList<BeatEvent> beats)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(beats);
        var items = new BeatPayload[beats.Count];
        for (int i = 0; i < items.Length; i++)
        {
            HeartSound s = beats[i].Sound;
            items[i] = new BeatPayload(s.Type == SoundType.S1 ? "S1" : "S2", Time(s.StartSeconds), Time(s.EndSeconds));
        }

        return new BeatsPayload(ProtocolSchema.Version, deviceId, Time(windowStartSeconds), Time(windowEndSeconds), items);
    }

    /// <summary>Device status event → payload.</summary>
    public static DeviceStatusPayload ToPayload(DeviceStatusEvent status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new DeviceStatusPayload(ProtocolSchema.Version, status.DeviceId, WireName(status.Status), Time(status.StreamTimeSeconds), status.Reason);
    }

    /// <summary>Alert event → payload.</summary>
    public static AlertPayload ToPayload(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        AlertEvidence e = alert.Evidence;
        var evidence = new AlertEvidencePayload(
            Round(e.HeartRateBpm, 1),
            Round(e.IntervalIrregularity, 3),
            Round(e.SignalQuality, 3),
            e.BeatsInWindow,
            e.ProbabilityClass,
            Round(e.Probability, 3),
            e.DeviceStatus is DeviceStatus ds ? WireName(ds) : null,
            e.LastDataSeconds is double l ? Time(l) : null);
        return new AlertPayload(
            ProtocolSchema.Version,
            alert.AlertId,
            alert.DeviceId,
            AlertTypeInfo.WireName(alert.Type),
            alert.Priority switch { AlertPriority.High => "high", AlertPriority.Medium => "medium", _ => "low" },
            alert.Category == AlertCategory.Physiological ? "physiological" : "technical",
            alert.State switch { AlertState.Raised => "raised", AlertState.Updated => "updated", _ => "cleared" },
            Time(alert.StreamTimeSeconds),
            Time(alert.OnsetSeconds),
            Time(alert.RaisedSeconds),
            alert.ClearedSeconds is double c ? Time(c) : null,
            alert.Acknowledged,
            alert.Message,
            evidence);
    }

    /// <summary>Wire name of a device status: "online", "no-signal", "error", "offline".</summary>
    public static string WireName(DeviceStatus status) => status switch
    {
        DeviceStatus.Online => "online",
        DeviceStatus.NoSignal => "no-signal",
        DeviceStatus.Error => "error",
        DeviceStatus.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown device status."),
    };

    private static double Time(double seconds) => Math.Round(seconds, 3);

    private static double? Round(double? value, int digits) =>
        value is double v && double.IsFinite(v) ? Math.Round(v, digits) : null;
}
