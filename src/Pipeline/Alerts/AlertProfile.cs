using System.Globalization;

namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// Thresholds, delays and hysteresis of every alert for one patient group. Mutable so configuration binding can fill
/// it; the engine validates it once when a device first uses it (<see cref="Validate"/>). Defaults and their
/// rationale are in docs/ALERTS.md: the rate limits are typical bedside-monitor factory defaults, not a diagnosis.
/// </summary>
public sealed class AlertProfile
{
    /// <summary>Profile name, shown in messages ("adult", "paediatric", or a custom name).</summary>
    public string Name { get; set; } = "adult";

    /// <summary>Tachycardia raises above this rate (bpm).</summary>
    public double TachycardiaRaiseBpm { get; set; } = 120;

    /// <summary>An active tachycardia clears only below this rate (bpm); lower than the raise limit (hysteresis).</summary>
    public double TachycardiaClearBpm { get; set; } = 115;

    /// <summary>Bradycardia raises below this rate (bpm).</summary>
    public double BradycardiaRaiseBpm { get; set; } = 50;

    /// <summary>An active bradycardia clears only above this rate (bpm).</summary>
    public double BradycardiaClearBpm { get; set; } = 55;

    /// <summary>Seconds a rate condition must hold continuously before it is raised.</summary>
    public double RateOnsetDelaySeconds { get; set; } = 10;

    /// <summary>Seconds a rate must be back inside the clear limit before the alert clears.</summary>
    public double RateClearDelaySeconds { get; set; } = 10;

    /// <summary>An active rate alert is updated when the rate moved at least this much since the last message.</summary>
    public double RateUpdateDeltaBpm { get; set; } = 5;

    /// <summary>
    /// Rate alerts count a heart rate only when the vitals window holds at least this many S1 (so the median rests
    /// on at least three intervals and one segmentation slip cannot move it); fewer makes the rate unknown.
    /// </summary>
    public int RateMinBeats { get; set; } = 4;

    /// <summary>
    /// Rate alerts count a heart rate only when the interval irregularity (robust CV) is at most this: above it the
    /// intervals have no single rate (the irregular-rhythm alert, raised from 0.20, covers that episode).
    /// </summary>
    public double RateMaxIrregularity { get; set; } = 0.30;

    /// <summary>
    /// Bradycardia counts a slow rate only when the median S1→S2 interval of the device's recent sounds (from its
    /// beat events) is at least this long: a real slow heart has a long systole, and a short systole with a slow S1
    /// rate means the segmenter skipped beats inside "diastole" (rate halving). 0 disables the check; devices that
    /// send no beat events are not checked.
    /// </summary>
    public double BradycardiaMinSystoleSeconds { get; set; } = 0.25;

    /// <summary>Irregular rhythm raises above this coefficient of variation of S1-S1 intervals.</summary>
    public double IrregularityRaise { get; set; } = 0.20;

    /// <summary>Irregular rhythm clears below this coefficient of variation.</summary>
    public double IrregularityClear { get; set; } = 0.15;

    /// <summary>Irregular rhythm also raises when the extrasystole probability is above this.</summary>
    public double ExtrasystoleProbabilityRaise { get; set; } = 0.70;

    /// <summary>... and clears only when it is below this.</summary>
    public double ExtrasystoleProbabilityClear { get; set; } = 0.50;

    /// <summary>Onset delay of irregular rhythm (seconds).</summary>
    public double IrregularOnsetDelaySeconds { get; set; } = 15;

    /// <summary>Clear delay of irregular rhythm (seconds).</summary>
    public double IrregularClearDelaySeconds { get; set; } = 15;

    /// <summary>Suspected murmur raises above this murmur probability.</summary>
    public double MurmurProbabilityRaise { get; set; } = 0.80;

    /// <summary>Suspected murmur clears below this murmur probability.</summary>
    public double MurmurProbabilityClear { get; set; } = 0.60;

    /// <summary>Abnormal heart sound raises above this "abnormal" probability.</summary>
    public double AbnormalProbabilityRaise { get; set; } = 0.80;

    /// <summary>Abnormal heart sound clears below this probability.</summary>
    public double AbnormalProbabilityClear { get; set; } = 0.60;

    /// <summary>Onset delay of the classifier-based alerts (murmur, abnormal), seconds.</summary>
    public double SoundOnsetDelaySeconds { get; set; } = 10;

    /// <summary>Clear delay of the classifier-based alerts, seconds.</summary>
    public double SoundClearDelaySeconds { get; set; } = 15;

    /// <summary>Probability (or irregularity) change that makes an active alert send an update.</summary>
    public double ProbabilityUpdateDelta { get; set; } = 0.10;

    /// <summary>No heart sounds needs at least this signal quality (a usable signal level, not a detached sensor).</summary>
    public double NoHeartSoundsMinSignalQuality { get; set; } = 0.30;

    /// <summary>
    /// No heart sounds holds when the device's last S1 (from its beat events) is at least this old, or the vitals
    /// window holds no S1 at all: longer than two beats at 30 bpm, the asystole criterion of ECG monitors (~4 s).
    /// </summary>
    public double NoHeartSoundsGapSeconds { get; set; } = 4;

    /// <summary>
    /// An S1 ends the no-heart-sounds gap only when it is at least this fraction as loud as the device's recent S1
    /// (<see cref="HeartStream.Pipeline.Segmentation.HeartSound.Level"/> against the median of the last 16 that counted),
    /// or when it is the last of <see cref="NoHeartSoundsFaintS1Train"/> faint S1 within the gap; 0 = every reported S1 ends
    /// it. The segmenter still reports a few faint, scattered S1 in noise that holds no heart sounds (the live
    /// normaliser scales the noise up, so the network cannot know the level fell); a heart heard more faintly keeps
    /// its rhythm. Sounds without a level (NaN) always count.
    /// </summary>
    public double NoHeartSoundsMinRelativeLevel { get; set; } = 0.5;

    /// <summary>A faint S1 still ends the no-heart-sounds gap when at least this many faint S1 (itself included) lie within the gap (see <see cref="NoHeartSoundsMinRelativeLevel"/>).</summary>
    public int NoHeartSoundsFaintS1Train { get; set; } = 3;

    /// <summary>Seconds the no-heart-sounds condition must hold (after the gap) before it is raised.</summary>
    public double NoHeartSoundsOnsetDelaySeconds { get; set; } = 1;

    /// <summary>Seconds with beats back before no-heart-sounds clears.</summary>
    public double NoHeartSoundsClearDelaySeconds { get; set; } = 3;

    /// <summary>Poor signal raises below this signal quality.</summary>
    public double PoorSignalRaiseQuality { get; set; } = 0.40;

    /// <summary>Poor signal clears only at or above this signal quality.</summary>
    public double PoorSignalClearQuality { get; set; } = 0.50;

    /// <summary>Poor signal also raises above this artifact probability.</summary>
    public double ArtifactProbabilityRaise { get; set; } = 0.70;

    /// <summary>... and clears only below this artifact probability.</summary>
    public double ArtifactProbabilityClear { get; set; } = 0.50;

    /// <summary>Onset delay of poor signal (seconds).</summary>
    public double PoorSignalOnsetDelaySeconds { get; set; } = 10;

    /// <summary>Clear delay of poor signal (seconds).</summary>
    public double PoorSignalClearDelaySeconds { get; set; } = 5;

    /// <summary>Physiological alerts other than no-heart-sounds neither raise nor clear while signal quality is below this.</summary>
    public double SuppressPhysiologicalBelowQuality { get; set; } = 0.40;

    /// <summary>No data (vitals, beats, classification) for this long counts as signal lost (checked by Tick).</summary>
    public double SignalLostSilenceSeconds { get; set; } = 5;

    /// <summary>Onset delay of device-signal-lost (seconds).</summary>
    public double SignalLostOnsetDelaySeconds { get; set; } = 10;

    /// <summary>Clear delay of device-signal-lost (seconds).</summary>
    public double SignalLostClearDelaySeconds { get; set; } = 2;

    /// <summary>At most one Updated message per alert per this many seconds.</summary>
    public double MinUpdateIntervalSeconds { get; set; } = 5;

    /// <summary>Adult defaults (tachycardia &gt; 120 bpm, bradycardia &lt; 50 bpm).</summary>
    public static AlertProfile CreateAdult() => new();

    /// <summary>Paediatric defaults (tachycardia &gt; 160 bpm, bradycardia &lt; 70 bpm); other settings as adult.</summary>
    public static AlertProfile CreatePaediatric() => new()
    {
        Name = "paediatric",
        TachycardiaRaiseBpm = 160,
        TachycardiaClearBpm = 155,
        BradycardiaRaiseBpm = 70,
        BradycardiaClearBpm = 75,
    };

    /// <summary>
    /// Neonate (birth–27 days): bradycardia &lt; 90, tachycardia &gt; 180 bpm — outside the 1st–99th centiles of
    /// Fleming et al., Lancet 2011 for the first month (see docs/ALERTS.md).
    /// </summary>
    public static AlertProfile CreateNeonate() => Paediatric("neonate", 90, 180);

    /// <summary>Infant (28 days–1 year): bradycardia &lt; 90, tachycardia &gt; 180 bpm.</summary>
    public static AlertProfile CreateInfant() => Paediatric("infant", 90, 180);

    /// <summary>Child (1–11 years): bradycardia &lt; 60, tachycardia &gt; 160 bpm.</summary>
    public static AlertProfile CreateChild() => Paediatric("child", 60, 160);

    /// <summary>Adolescent (12–18 years): bradycardia &lt; 50, tachycardia &gt; 120 bpm (the adult limits).</summary>
    public static AlertProfile CreateAdolescent() => Paediatric("adolescent", 50, 120);

    /// <summary>A copy, so a shared default can be customised per device without affecting others.</summary>
    public AlertProfile Clone() => (AlertProfile)MemberwiseClone();

    // Age-group profiles differ from adult only in the rate limits; hysteresis stays 5 bpm.
    private static AlertProfile Paediatric(string name, double bradyRaise, double tachyRaise) => new()
    {
        Name = name,
        TachycardiaRaiseBpm = tachyRaise,
        TachycardiaClearBpm = tachyRaise - 5,
        BradycardiaRaiseBpm = bradyRaise,
        BradycardiaClearBpm = bradyRaise + 5,
    };

    /// <summary>Every problem with this profile, as full sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Name must not be empty.");
        }

        Range(errors, nameof(TachycardiaRaiseBpm), TachycardiaRaiseBpm, 20, 350);
        Range(errors, nameof(TachycardiaClearBpm), TachycardiaClearBpm, 20, 350);
        Range(errors, nameof(BradycardiaRaiseBpm), BradycardiaRaiseBpm, 10, 300);
        Range(errors, nameof(BradycardiaClearBpm), BradycardiaClearBpm, 10, 300);
        Range(errors, nameof(RateUpdateDeltaBpm), RateUpdateDeltaBpm, 0.1, 100);
        Range(errors, nameof(RateMinBeats), RateMinBeats, 0, 100);
        Range(errors, nameof(RateMaxIrregularity), RateMaxIrregularity, 0, 5);
        Range(errors, nameof(BradycardiaMinSystoleSeconds), BradycardiaMinSystoleSeconds, 0, 1);
        Range(errors, nameof(NoHeartSoundsGapSeconds), NoHeartSoundsGapSeconds, 0.5, 60);
        Range(errors, nameof(NoHeartSoundsFaintS1Train), NoHeartSoundsFaintS1Train, 1, DeviceAlertState.S1Ring);
        Range(errors, nameof(IrregularityRaise), IrregularityRaise, 0, 5);
        Range(errors, nameof(IrregularityClear), IrregularityClear, 0, 5);
        foreach ((string name, double value) in new[]
        {
            (nameof(ExtrasystoleProbabilityRaise), ExtrasystoleProbabilityRaise),
            (nameof(ExtrasystoleProbabilityClear), ExtrasystoleProbabilityClear),
            (nameof(MurmurProbabilityRaise), MurmurProbabilityRaise),
            (nameof(MurmurProbabilityClear), MurmurProbabilityClear),
            (nameof(AbnormalProbabilityRaise), AbnormalProbabilityRaise),
            (nameof(AbnormalProbabilityClear), AbnormalProbabilityClear),
            (nameof(ArtifactProbabilityRaise), ArtifactProbabilityRaise),
            (nameof(ArtifactProbabilityClear), ArtifactProbabilityClear),
            (nameof(NoHeartSoundsMinSignalQuality), NoHeartSoundsMinSignalQuality),
            (nameof(NoHeartSoundsMinRelativeLevel), NoHeartSoundsMinRelativeLevel),
            (nameof(PoorSignalRaiseQuality), PoorSignalRaiseQuality),
            (nameof(PoorSignalClearQuality), PoorSignalClearQuality),
            (nameof(SuppressPhysiologicalBelowQuality), SuppressPhysiologicalBelowQuality),
        })
        {
            Range(errors, name, value, 0, 1);
        }

        Range(errors, nameof(ProbabilityUpdateDelta), ProbabilityUpdateDelta, 0.001, 1);
        foreach ((string name, double value) in new[]
        {
            (nameof(RateOnsetDelaySeconds), RateOnsetDelaySeconds),
            (nameof(RateClearDelaySeconds), RateClearDelaySeconds),
            (nameof(IrregularOnsetDelaySeconds), IrregularOnsetDelaySeconds),
            (nameof(IrregularClearDelaySeconds), IrregularClearDelaySeconds),
            (nameof(SoundOnsetDelaySeconds), SoundOnsetDelaySeconds),
            (nameof(SoundClearDelaySeconds), SoundClearDelaySeconds),
            (nameof(NoHeartSoundsOnsetDelaySeconds), NoHeartSoundsOnsetDelaySeconds),
            (nameof(NoHeartSoundsClearDelaySeconds), NoHeartSoundsClearDelaySeconds),
            (nameof(PoorSignalOnsetDelaySeconds), PoorSignalOnsetDelaySeconds),
            (nameof(PoorSignalClearDelaySeconds), PoorSignalClearDelaySeconds),
            (nameof(SignalLostSilenceSeconds), SignalLostSilenceSeconds),
            (nameof(SignalLostOnsetDelaySeconds), SignalLostOnsetDelaySeconds),
            (nameof(SignalLostClearDelaySeconds), SignalLostClearDelaySeconds),
            (nameof(MinUpdateIntervalSeconds), MinUpdateIntervalSeconds),
        })
        {
            Range(errors, name, value, 0, 3600);
        }

        Order(errors, nameof(TachycardiaClearBpm), TachycardiaClearBpm, nameof(TachycardiaRaiseBpm), TachycardiaRaiseBpm);
        Order(errors, nameof(BradycardiaRaiseBpm), BradycardiaRaiseBpm, nameof(BradycardiaClearBpm), BradycardiaClearBpm);
        Order(errors, nameof(BradycardiaClearBpm), BradycardiaClearBpm, nameof(TachycardiaClearBpm), TachycardiaClearBpm);
        Order(errors, nameof(IrregularityClear), IrregularityClear, nameof(IrregularityRaise), IrregularityRaise);
        Order(errors, nameof(ExtrasystoleProbabilityClear), ExtrasystoleProbabilityClear, nameof(ExtrasystoleProbabilityRaise), ExtrasystoleProbabilityRaise);
        Order(errors, nameof(MurmurProbabilityClear), MurmurProbabilityClear, nameof(MurmurProbabilityRaise), MurmurProbabilityRaise);
        Order(errors, nameof(AbnormalProbabilityClear), AbnormalProbabilityClear, nameof(AbnormalProbabilityRaise), AbnormalProbabilityRaise);
        Order(errors, nameof(ArtifactProbabilityClear), ArtifactProbabilityClear, nameof(ArtifactProbabilityRaise), ArtifactProbabilityRaise);
        Order(errors, nameof(PoorSignalRaiseQuality), PoorSignalRaiseQuality, nameof(PoorSignalClearQuality), PoorSignalClearQuality);
        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem when the profile is invalid.</summary>
    public void ThrowIfInvalid()
    {
        IReadOnlyList<string> errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Alert profile '{Name}' is invalid: {string.Join(" ", errors)}");
        }
    }

    private static void Range(List<string> errors, string name, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be within {min}..{max} but is {value}."));
        }
    }

    // Hysteresis needs a strict gap: equal raise and clear limits would let a signal on the limit flap.
    private static void Order(List<string> errors, string lowName, double low, string highName, double high)
    {
        if (!(low < high))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{lowName} ({low}) must be below {highName} ({high})."));
        }
    }
}
