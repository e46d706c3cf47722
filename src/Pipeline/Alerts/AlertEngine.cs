using System.Globalization;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// Turns the pipeline's per-device events into alarm episodes following IEC 60601-1-8 conventions: every condition
/// must hold for an onset delay before it is raised, clears only past a hysteresis limit held for a clear delay,
/// sends Updated only on material change (rate-limited, never after acknowledgement), and physiological alerts are
/// suppressed while the signal is poor. Pure and deterministic: all time is stream time taken from the events (and
/// <see cref="Tick"/> for timeouts); no clocks, no I/O. Not thread-safe: one engine per alert stage.
/// </summary>
/// <remarks>
/// Unknown data (a null heart rate, a missing class probability, suppression) restarts the onset and clear timers of
/// the conditions it feeds, so it neither raises nor clears them; an active alert stays active through it.
/// Stream time that goes backwards for a device is treated as its latest time (timers never run negative).
/// </remarks>
public sealed class AlertEngine
{
    private const double TimeEpsilon = 1e-9;

    // The systole check looks at the sounds of the same trailing span as the vitals window (10 s).
    private const double SoundWindowSeconds = 10;
    private readonly Func<string, AlertProfile> _profileFor;
    private readonly string _idPrefix;
    private readonly Dictionary<string, DeviceAlertState> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DeviceAlertState Device, AlertType Type)> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AlertStateSnapshot> _restored = new(StringComparer.Ordinal); // applied when the device is next seen

    /// <summary>One profile for every device.</summary>
    public AlertEngine(AlertProfile profile, string alertIdPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(alertIdPrefix);
        profile.ThrowIfInvalid();
        AlertProfile copy = profile.Clone();
        _profileFor = _ => copy;
        _idPrefix = alertIdPrefix;
    }

    /// <summary>Profiles per device from configuration; throws when the options are invalid.</summary>
    public AlertEngine(AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Alert options are invalid: " + string.Join(" ", errors), nameof(options));
        }

        _profileFor = options.Resolve;
        _idPrefix = options.AlertIdPrefix ?? "";
    }

    /// <summary>Number of currently active alerts over all devices.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>
    /// Feeds one pipeline event and appends any resulting alert events to <paramref name="output"/>.
    /// Returns how many were appended. Allocates only when an alert event is emitted.
    /// </summary>
    public int Process(PipelineEvent pipelineEvent, ICollection<AlertEvent> output)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        ArgumentNullException.ThrowIfNull(output);
        int before = output.Count;
        DeviceAlertState device = GetDevice(pipelineEvent.DeviceId, pipelineEvent.StreamTimeSeconds);
        if (pipelineEvent is AudioGapEvent gap)
        {
            // Not data and not the device's clock (it runs ahead of the finalized beats): which seconds were never heard.
            device.AddLostAudio(gap.StreamTimeSeconds - gap.GapSeconds, gap.StreamTimeSeconds);
            return 0;
        }

        double t = Advance(device, pipelineEvent.StreamTimeSeconds);
        switch (pipelineEvent)
        {
            case VitalsEvent v:
                device.LastDataTime = t;
                device.HeartRate = Finite(v.HeartRateBpm);
                device.Irregularity = Finite(v.IntervalIrregularity);
                device.Quality = Finite(v.SignalQuality);
                device.Beats = v.BeatsInWindow;
                EvaluateRate(device, t, output);
                EvaluateIrregular(device, t, output);
                EvaluateNoHeartSounds(device, t, v.StreamTimeSeconds, output);
                EvaluatePoorSignal(device, t, output);
                device.PreviousVitalsTime = t;
                break;
            case ClassificationEvent c:
                device.LastDataTime = t;
                ArgumentNullException.ThrowIfNull(c.Probabilities, nameof(ClassificationEvent.Probabilities));
                // Each live model reports only its own classes (the murmur model has no "abnormal"): a class the event
                // does not carry keeps the latest value another model gave, or interleaved models would reset each other.
                device.Murmur = Probability(c.Probabilities, "murmur", device.Murmur);
                device.Abnormal = Probability(c.Probabilities, "abnormal", device.Abnormal);
                device.Extrasystole = Probability(c.Probabilities, "extrasystole", device.Extrasystole);
                device.Artifact = Probability(c.Probabilities, "artifact", device.Artifact);
                EvaluateSound(device, AlertType.SuspectedMurmur, device.Murmur, t, output);
                EvaluateSound(device, AlertType.AbnormalHeartSound, device.Abnormal, t, output);
                EvaluateIrregular(device, t, output);
                EvaluatePoorSignal(device, t, output);
                break;
            case BeatEvent b:
                device.LastDataTime = t;
                device.AddSound(b.Sound);
                break;
            case DeviceStatusEvent s:
                device.Status = s.Status;
                break;
            default:
                break;
        }

        EvaluateSignalLost(device, t, output);
        return output.Count - before;
    }

    /// <summary>
    /// Advances a device's stream time without data, so timeouts (device signal lost) fire when a device goes quiet.
    /// <paramref name="streamTimeSeconds"/> is the caller's estimate of the device's current stream time (its latest
    /// stream time plus the wall time since). Unknown devices are ignored. Returns how many events were appended.
    /// </summary>
    public int Tick(string deviceId, double streamTimeSeconds, ICollection<AlertEvent> output)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(output);
        if (!_devices.TryGetValue(deviceId, out DeviceAlertState? device) || !double.IsFinite(streamTimeSeconds))
        {
            return 0;
        }

        int before = output.Count;
        EvaluateSignalLost(device, Advance(device, streamTimeSeconds), output);
        return output.Count - before;
    }

    /// <summary>
    /// Acknowledges an active alert: it sends no further Updated messages, but still clears (with Acknowledged set).
    /// Returns false when no active alert has that id (unknown, or already cleared).
    /// </summary>
    public bool Acknowledge(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        if (!_active.TryGetValue(alertId, out (DeviceAlertState Device, AlertType Type) entry))
        {
            return false;
        }

        entry.Device.Trackers[(int)entry.Type].Acknowledged = true;
        return true;
    }

    /// <summary>The device of an active alert, or null.</summary>
    public string? DeviceOfAlert(string alertId) =>
        alertId is not null && _active.TryGetValue(alertId, out (DeviceAlertState Device, AlertType Type) entry) ? entry.Device.DeviceId : null;

    /// <summary>Whether the device has an active alert of that type.</summary>
    public bool IsActive(string deviceId, AlertType type) =>
        _devices.TryGetValue(deviceId, out DeviceAlertState? d) && d.Trackers[(int)type].Active;

    /// <summary>
    /// The device's alert state to keep across a restart: episode counters and active alerts (a device not seen yet
    /// but restored returns what was restored). Null for a device the engine knows nothing about.
    /// </summary>
    public AlertStateSnapshot? Snapshot(string deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (!_devices.TryGetValue(deviceId, out DeviceAlertState? device))
        {
            return _restored.GetValueOrDefault(deviceId);
        }

        var sequences = new Dictionary<string, int>(StringComparer.Ordinal);
        var active = new List<ActiveAlertSnapshot>();
        foreach (AlertType type in AlertTypeInfo.All)
        {
            AlertTracker tr = device.Trackers[(int)type];
            if (tr.Sequence > 0)
            {
                sequences[AlertTypeInfo.WireName(type)] = tr.Sequence;
            }

            if (tr.Active)
            {
                active.Add(new ActiveAlertSnapshot(AlertTypeInfo.WireName(type), tr.Id!, tr.Onset, tr.Raised, tr.Acknowledged));
            }
        }

        return new AlertStateSnapshot(deviceId, sequences, active);
    }

    /// <summary>
    /// Gives the engine a device's state from before a restart. It takes effect when the device's first event
    /// arrives: its episode counters continue, and each active alert is active again under its old id (not raised
    /// again); it clears, with that id, once its condition is absent for the clear delay, or stays while present.
    /// A device the engine already sees (its first events came first) is merged: counters take the larger value, and
    /// a restored alert becomes active unless this run already raised that type. Unknown types are ignored.
    /// </summary>
    public void Restore(AlertStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(snapshot.DeviceId);
        if (_devices.TryGetValue(snapshot.DeviceId, out DeviceAlertState? device))
        {
            // Its first events came first (a persistent session delivers queued audio at connect): merge, so the old
            // episodes continue unless this run already raised the same type.
            Apply(device, snapshot, device.LastTime);
        }
        else
        {
            _restored[snapshot.DeviceId] = snapshot;
        }
    }

    /// <summary>Devices restored but not seen since (their alerts are not active in the engine until they are).</summary>
    public IReadOnlyCollection<string> PendingRestores => _restored.Keys;

    /// <summary>
    /// A restored device that did not come back: clears its restored active alerts (with <paramref name="reason"/>,
    /// under their old ids) so no consumer is left with an alert that can never clear; its episode counters are kept.
    /// Returns how many events were appended; 0 when the device is not pending or had no active alert.
    /// </summary>
    public int ExpireRestore(string deviceId, string reason, ICollection<AlertEvent> output)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(output);
        if (!_restored.TryGetValue(deviceId, out AlertStateSnapshot? snapshot) || snapshot.Active.Count == 0)
        {
            return 0;
        }

        double t = snapshot.Active.Max(a => a.RaisedSeconds);
        DeviceAlertState device = GetDevice(deviceId, t); // applies the snapshot
        int before = output.Count;
        foreach (AlertType type in AlertTypeInfo.All)
        {
            if (device.Trackers[(int)type].Active)
            {
                Clear(device, type, t, reason, output);
            }
        }

        AlertStateSnapshot? kept = Snapshot(deviceId);
        _devices.Remove(deviceId);
        _restored[deviceId] = kept! with { Active = [] };
        return output.Count - before;
    }

    /// <summary>
    /// Forgets a device that another instance takes over (its shard moved): nothing is cleared and no event is made;
    /// the state the new owner continues from is the retained one this instance last wrote. Returns whether the engine
    /// knew the device.
    /// </summary>
    public bool Release(string deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        bool known = _devices.Remove(deviceId, out DeviceAlertState? device);
        if (device is not null)
        {
            // Its active alerts leave the id index too: the device may come back here (its shard moves back) with the
            // same alerts, restored from the state its other owner wrote.
            foreach (AlertTracker tracker in device.Trackers)
            {
                if (tracker.Active && tracker.Id is not null)
                {
                    _active.Remove(tracker.Id);
                }
            }
        }

        return _restored.Remove(deviceId) || known;
    }

    /// <summary>
    /// Forgets a device whose stream ended for good, clearing its active alerts at <paramref name="streamTimeSeconds"/>
    /// so consumers are not left with alerts that can never clear. Returns how many events were appended.
    /// </summary>
    public int RemoveDevice(string deviceId, double streamTimeSeconds, ICollection<AlertEvent> output)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(output);
        if (!_devices.TryGetValue(deviceId, out DeviceAlertState? device))
        {
            return 0;
        }

        int before = output.Count;
        double t = Advance(device, streamTimeSeconds);
        foreach (AlertType type in AlertTypeInfo.All)
        {
            if (device.Trackers[(int)type].Active)
            {
                Clear(device, type, t, "device removed", output);
            }
        }

        // Keep the episode counters, so a device that comes back never reuses an alert id of this run.
        AlertStateSnapshot? kept = Snapshot(deviceId);
        _devices.Remove(deviceId);
        if (kept is { Sequences.Count: > 0 })
        {
            _restored[deviceId] = kept with { Active = [] };
        }

        return output.Count - before;
    }

    private DeviceAlertState GetDevice(string deviceId, double time)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (!double.IsFinite(time))
        {
            throw new ArgumentException($"Event of device '{deviceId}' has a non-finite stream time ({time}).");
        }

        if (!_devices.TryGetValue(deviceId, out DeviceAlertState? device))
        {
            AlertProfile profile = _profileFor(deviceId);
            profile.ThrowIfInvalid();
            device = new DeviceAlertState(deviceId, profile, time);
            _devices.Add(deviceId, device);
            if (_restored.Remove(deviceId, out AlertStateSnapshot? snapshot))
            {
                Apply(device, snapshot, time);
            }
        }

        return device;
    }

    private void Apply(DeviceAlertState device, AlertStateSnapshot snapshot, double time)
    {
        var byName = AlertTypeInfo.All.ToDictionary(AlertTypeInfo.WireName, StringComparer.Ordinal);
        foreach ((string name, int sequence) in snapshot.Sequences ?? new Dictionary<string, int>())
        {
            if (byName.TryGetValue(name, out AlertType type) && sequence > 0)
            {
                device.Trackers[(int)type].Sequence = Math.Max(device.Trackers[(int)type].Sequence, sequence);
            }
        }

        foreach (ActiveAlertSnapshot a in snapshot.Active ?? [])
        {
            if (!byName.TryGetValue(a.Type, out AlertType type) || string.IsNullOrEmpty(a.AlertId) || _active.ContainsKey(a.AlertId))
            {
                continue;
            }

            AlertTracker tr = device.Trackers[(int)type];
            if (tr.Active)
            {
                continue; // this run raised that condition already, under an id the counters kept apart
            }

            tr.Active = true;
            tr.Id = a.AlertId;
            tr.Onset = a.OnsetSeconds;
            tr.Raised = a.RaisedSeconds;
            tr.Acknowledged = a.Acknowledged;
            tr.PendingSince = double.NaN;
            tr.ClearingSince = double.NaN;
            tr.LastMetric = 0; // the first value after the restart is a material change: one Updated (after the minimum interval), unless acknowledged
            tr.LastMessageTime = time;
            _active[a.AlertId] = (device, type);
        }
    }

    private static double Advance(DeviceAlertState device, double time)
    {
        if (time > device.LastTime)
        {
            device.LastTime = time;
        }

        return device.LastTime;
    }

    private static double? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;

    private static double? Probability(IReadOnlyDictionary<string, double> probabilities, string name, double? previous) =>
        !probabilities.TryGetValue(name, out double p) ? previous
        : double.IsFinite(p) ? Math.Clamp(p, 0, 1) : null;

    private static bool Suppressed(DeviceAlertState device) =>
        device.Quality is not double q || q < device.Profile.SuppressPhysiologicalBelowQuality;

    private void EvaluateRate(DeviceAlertState device, double t, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        bool suppressed = Suppressed(device);
        double? hr = device.HeartRate;

        ConditionState tachy = ConditionState.Unknown;
        ConditionState brady = ConditionState.Unknown;
        if (!suppressed && hr is double rate && RateConfident(device))
        {
            tachy = device.Trackers[(int)AlertType.Tachycardia].Active
                ? (rate >= p.TachycardiaClearBpm ? ConditionState.Present : ConditionState.Absent)
                : (rate > p.TachycardiaRaiseBpm ? ConditionState.Present : ConditionState.Absent);
            brady = device.Trackers[(int)AlertType.Bradycardia].Active
                ? (rate <= p.BradycardiaClearBpm ? ConditionState.Present : ConditionState.Absent)
                : (rate < p.BradycardiaRaiseBpm ? ConditionState.Present : ConditionState.Absent);
            if (brady == ConditionState.Present && SystoleTooShortForSlowRate(device, t))
            {
                brady = ConditionState.Unknown; // a halved rate: neither raise nor clear on it
            }
        }

        double metric = hr ?? 0;
        Step(device, AlertType.Tachycardia, tachy, t, t, metric, p.RateUpdateDeltaBpm, p.RateOnsetDelaySeconds, p.RateClearDelaySeconds, output);
        Step(device, AlertType.Bradycardia, brady, t, t, metric, p.RateUpdateDeltaBpm, p.RateOnsetDelaySeconds, p.RateClearDelaySeconds, output);
    }

    /// <summary>
    /// Whether the vitals' rate is an estimate to alarm on: enough S1 in the window for a robust median, and intervals
    /// regular enough to have one rate. Otherwise the rate is treated as unknown (no raise, no clear).
    /// </summary>
    private static bool RateConfident(DeviceAlertState device) =>
        (device.Beats ?? 0) >= device.Profile.RateMinBeats
        && (device.Irregularity is not double irr || irr <= device.Profile.RateMaxIrregularity);

    /// <summary>
    /// True when the device sends its sounds and their median S1→S2 interval over the window is shorter than a slow
    /// heart's systole can be: the slow S1 rate then comes from beats skipped inside diastole, not from a slow heart.
    /// </summary>
    private static bool SystoleTooShortForSlowRate(DeviceAlertState device, double t)
    {
        double min = device.Profile.BradycardiaMinSystoleSeconds;
        if (!(min > 0) || !device.SawSounds)
        {
            return false;
        }

        double systole = device.MedianSystole(t - SoundWindowSeconds, t);
        return !double.IsNaN(systole) && systole < min;
    }

    private void EvaluateIrregular(DeviceAlertState device, double t, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        bool active = device.Trackers[(int)AlertType.IrregularRhythm].Active;
        ConditionState state = ConditionState.Unknown;
        if (!Suppressed(device) && (device.Irregularity.HasValue || device.Extrasystole.HasValue))
        {
            double irrLimit = active ? p.IrregularityClear : p.IrregularityRaise;
            double extraLimit = active ? p.ExtrasystoleProbabilityClear : p.ExtrasystoleProbabilityRaise;
            bool present = Beyond(device.Irregularity, irrLimit, active) || Beyond(device.Extrasystole, extraLimit, active);
            state = present ? ConditionState.Present : ConditionState.Absent;
        }

        double metric = Math.Max(device.Irregularity ?? 0, device.Extrasystole ?? 0);
        Step(device, AlertType.IrregularRhythm, state, t, t, metric, p.ProbabilityUpdateDelta, p.IrregularOnsetDelaySeconds, p.IrregularClearDelaySeconds, output);
    }

    // Raise needs strictly above the raise limit; an active alert stays while at or above the clear limit.
    private static bool Beyond(double? value, double limit, bool active) =>
        value is double v && (active ? v >= limit : v > limit);

    private void EvaluateSound(DeviceAlertState device, AlertType type, double? probability, double t, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        bool active = device.Trackers[(int)type].Active;
        double limit = type == AlertType.SuspectedMurmur
            ? (active ? p.MurmurProbabilityClear : p.MurmurProbabilityRaise)
            : (active ? p.AbnormalProbabilityClear : p.AbnormalProbabilityRaise);
        ConditionState state = Suppressed(device) || probability is null
            ? ConditionState.Unknown
            : Beyond(probability, limit, active) ? ConditionState.Present : ConditionState.Absent;
        Step(device, type, state, t, t, probability ?? 0, p.ProbabilityUpdateDelta, p.SoundOnsetDelaySeconds, p.SoundClearDelaySeconds, output);
    }

    /// <param name="audioTime">The vitals' own stream time: how far the analysed audio reaches. The gap is judged on it,
    /// not on <paramref name="t"/>, which the tick may have moved ahead while analysis runs behind the wall clock.</param>
    private void EvaluateNoHeartSounds(DeviceAlertState device, double t, double audioTime, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        ConditionState state = ConditionState.Unknown;
        double since = t;
        if (device.Beats is int beats && device.Quality is double q)
        {
            // From the sounds themselves when the device sends them: the condition began when the last S1 became
            // gap seconds old (not when the 10 s vitals window finally emptied, which would add the window's length).
            // Lost audio is not silence: the gap counts only the seconds since the last S1 that were analysed.
            double lastS1 = double.IsNaN(device.LastS1) ? device.FirstTime : device.LastS1;
            double lost = device.LostAudioBetween(lastS1, audioTime);
            bool gap = device.SawSounds && audioTime - lost + TimeEpsilon >= lastS1 + p.NoHeartSoundsGapSeconds;
            if (beats > 0 && !gap)
            {
                state = ConditionState.Absent;
            }
            else if (q >= p.NoHeartSoundsMinSignalQuality && device.Status == DeviceStatus.Online)
            {
                state = ConditionState.Present;
                // Not before the previous vitals: if the condition was unknown then (poor quality), it starts now.
                since = gap ? Math.Max(lastS1 + lost + p.NoHeartSoundsGapSeconds, device.PreviousVitalsTime) : t;
            }
        }

        Step(device, AlertType.NoHeartSounds, state, t, since, 0, double.PositiveInfinity, p.NoHeartSoundsOnsetDelaySeconds, p.NoHeartSoundsClearDelaySeconds, output);
    }

    private void EvaluatePoorSignal(DeviceAlertState device, double t, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        bool active = device.Trackers[(int)AlertType.PoorSignal].Active;
        ConditionState state = ConditionState.Unknown;
        if (device.Quality.HasValue || device.Artifact.HasValue)
        {
            bool poorQuality = device.Quality is double q && (active ? q < p.PoorSignalClearQuality : q < p.PoorSignalRaiseQuality);
            bool artifact = Beyond(device.Artifact, active ? p.ArtifactProbabilityClear : p.ArtifactProbabilityRaise, active);
            state = poorQuality || artifact ? ConditionState.Present : ConditionState.Absent;
        }

        Step(device, AlertType.PoorSignal, state, t, t, device.Quality ?? 0, p.ProbabilityUpdateDelta, p.PoorSignalOnsetDelaySeconds, p.PoorSignalClearDelaySeconds, output);
    }

    private void EvaluateSignalLost(DeviceAlertState device, double t, ICollection<AlertEvent> output)
    {
        AlertProfile p = device.Profile;
        double silentSince = device.LastDataTime + p.SignalLostSilenceSeconds;
        ConditionState state;
        double since = t;
        if (device.Status != DeviceStatus.Online)
        {
            state = ConditionState.Present;
        }
        else if (t + TimeEpsilon >= silentSince)
        {
            // The condition began when the silence limit passed, however sparsely Tick is called.
            state = ConditionState.Present;
            since = silentSince;
        }
        else
        {
            state = ConditionState.Absent;
        }

        Step(device, AlertType.DeviceSignalLost, state, t, since, (int)device.Status, 1, p.SignalLostOnsetDelaySeconds, p.SignalLostClearDelaySeconds, output);
    }

    private void Step(
        DeviceAlertState device,
        AlertType type,
        ConditionState state,
        double t,
        double conditionSince,
        double metric,
        double updateDelta,
        double onsetDelay,
        double clearDelay,
        ICollection<AlertEvent> output)
    {
        AlertTracker tr = device.Trackers[(int)type];
        if (!tr.Active)
        {
            if (state != ConditionState.Present)
            {
                tr.PendingSince = double.NaN;
                return;
            }

            if (double.IsNaN(tr.PendingSince))
            {
                tr.PendingSince = Math.Min(conditionSince, t);
            }

            if (t - tr.PendingSince + TimeEpsilon >= onsetDelay)
            {
                tr.Active = true;
                tr.Sequence++;
                tr.Id = string.Create(CultureInfo.InvariantCulture, $"{_idPrefix}{device.DeviceId}-{AlertTypeInfo.WireName(type)}-{tr.Sequence}");
                tr.Onset = tr.PendingSince;
                tr.Raised = t;
                tr.Acknowledged = false;
                tr.ClearingSince = double.NaN;
                tr.PendingSince = double.NaN;
                tr.LastMetric = metric;
                tr.LastMessageTime = t;
                _active[tr.Id] = (device, type);
                output.Add(Build(device, type, tr, AlertState.Raised, t, null));
            }

            return;
        }

        switch (state)
        {
            case ConditionState.Present:
                tr.ClearingSince = double.NaN;
                if (!tr.Acknowledged
                    && Math.Abs(metric - tr.LastMetric) >= updateDelta
                    && t - tr.LastMessageTime + TimeEpsilon >= device.Profile.MinUpdateIntervalSeconds)
                {
                    tr.LastMetric = metric;
                    tr.LastMessageTime = t;
                    output.Add(Build(device, type, tr, AlertState.Updated, t, null));
                }

                break;
            case ConditionState.Absent:
                if (double.IsNaN(tr.ClearingSince))
                {
                    tr.ClearingSince = t;
                }

                if (t - tr.ClearingSince + TimeEpsilon >= clearDelay)
                {
                    Clear(device, type, t, null, output);
                }

                break;
            default:
                tr.ClearingSince = double.NaN;
                break;
        }
    }

    private void Clear(DeviceAlertState device, AlertType type, double t, string? reason, ICollection<AlertEvent> output)
    {
        AlertTracker tr = device.Trackers[(int)type];
        output.Add(Build(device, type, tr, AlertState.Cleared, t, reason));
        _active.Remove(tr.Id!);
        tr.Active = false;
        tr.Id = null;
        tr.PendingSince = double.NaN;
        tr.ClearingSince = double.NaN;
        tr.Acknowledged = false;
    }

    private static AlertEvent Build(DeviceAlertState device, AlertType type, AlertTracker tr, AlertState state, double t, string? reason)
    {
        (string? cls, double? prob) = type switch
        {
            AlertType.SuspectedMurmur => ("murmur", device.Murmur),
            AlertType.AbnormalHeartSound => ("abnormal", device.Abnormal),
            AlertType.IrregularRhythm => ("extrasystole", device.Extrasystole),
            AlertType.PoorSignal => ("artifact", device.Artifact),
            _ => ((string?)null, (double?)null),
        };
        var evidence = new AlertEvidence(device.HeartRate, device.Irregularity, device.Quality, device.Beats, cls, prob, device.Status, device.LastDataTime);
        return new AlertEvent(
            tr.Id!,
            device.DeviceId,
            type,
            AlertTypeInfo.Priority(type),
            AlertTypeInfo.Category(type),
            state,
            t,
            tr.Onset,
            tr.Raised,
            state == AlertState.Cleared ? t : null,
            tr.Acknowledged,
            evidence,
            AlertMessages.Describe(device.Profile, type, state, evidence, reason));
    }
}
