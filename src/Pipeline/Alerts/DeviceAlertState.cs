using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Alerts;

/// <summary>Latest values and trackers of one device (engine-internal).</summary>
internal sealed class DeviceAlertState
{
    public DeviceAlertState(string deviceId, AlertProfile profile, double firstTime)
    {
        DeviceId = deviceId;
        Profile = profile;
        LastTime = firstTime;
        LastDataTime = firstTime;
        FirstTime = firstTime;
        Trackers = new AlertTracker[AlertTypeInfo.All.Count];
        for (int i = 0; i < Trackers.Length; i++)
        {
            Trackers[i] = new AlertTracker();
        }
    }

    public string DeviceId { get; }

    public AlertProfile Profile { get; }

    public AlertTracker[] Trackers { get; }

    public double LastTime;
    public double LastDataTime;
    public double? HeartRate;
    public double? Irregularity;
    public double? Quality;
    public int? Beats;
    public double? Murmur;
    public double? Abnormal;
    public double? Extrasystole;
    public double? Artifact;
    public DeviceStatus Status = DeviceStatus.Online;

    // Sound timing from beat events: whether any arrived, the latest S1 centre, the S1 waiting for its S2, and a
    // ring of recent S1→S2 intervals (centre to centre) with the S2 centre time, for the bradycardia systole check.
    public const int SystoleRing = 32;
    public bool SawSounds;
    public double PreviousVitalsTime = double.NegativeInfinity;
    public double LastS1 = double.NaN;

    // Recent spans of device time whose audio was never analysed (AudioGapEvent), oldest overwritten: the no-heart-sounds
    // gap counts analysed seconds only.
    public const int LostRing = 32;
    public readonly double[] LostStart = new double[LostRing];
    public readonly double[] LostEnd = new double[LostRing];
    public int LostCount;
    public int LostHead;

    public void AddLostAudio(double start, double end)
    {
        if (!(end > start))
        {
            return;
        }

        LostStart[LostHead] = start;
        LostEnd[LostHead] = end;
        LostHead = (LostHead + 1) % LostRing;
        LostCount = Math.Min(LostCount + 1, LostRing);
    }

    /// <summary>Seconds of lost audio inside [from, to].</summary>
    public double LostAudioBetween(double from, double to)
    {
        double lost = 0;
        for (int i = 0; i < LostCount; i++)
        {
            lost += Math.Max(0, Math.Min(to, LostEnd[i]) - Math.Max(from, LostStart[i]));
        }

        return lost;
    }
    public double OpenS1 = double.NaN;
    public readonly double[] Systole = new double[SystoleRing];
    public readonly double[] SystoleAt = new double[SystoleRing];
    public int SystoleCount;
    public int SystoleHead;

    // For no-heart-sounds: the levels of the recent S1 that ended the gap (the reference a faint S1 is measured
    // against) and the centres of the recent faint S1 (a faint S1 in a train of them counts).
    public const int S1Ring = 16;
    public const int MinReferenceLevels = 4;
    public readonly double[] S1Levels = new double[S1Ring];
    public int S1LevelCount;
    public int S1LevelHead;
    public readonly double[] S1Times = new double[S1Ring];
    public int S1TimeCount;
    public int S1TimeHead;

    public double FirstTime { get; }

    public void AddSound(HeartSound sound)
    {
        SawSounds = true;
        double c = sound.CentreSeconds;
        if (sound.Type == SoundType.S1)
        {
            if (EndsNoHeartSoundsGap(sound.Level, c))
            {
                LastS1 = double.IsNaN(LastS1) ? c : Math.Max(LastS1, c);
            }

            OpenS1 = c;
        }
        else if (!double.IsNaN(OpenS1))
        {
            Systole[SystoleHead] = c - OpenS1;
            SystoleAt[SystoleHead] = c;
            SystoleHead = (SystoleHead + 1) % SystoleRing;
            SystoleCount = Math.Min(SystoleCount + 1, SystoleRing);
            OpenS1 = double.NaN;
        }
    }

    /// <summary>
    /// Whether an S1 of this level ends the no-heart-sounds gap (<see cref="AlertProfile.NoHeartSoundsMinRelativeLevel"/>):
    /// always when the rule is off, the level unknown, or fewer than <see cref="MinReferenceLevels"/> S1 have counted;
    /// else when it reaches the fraction of the median level of the last S1 that counted, or is the last of a train of
    /// faint ones (a heart heard more faintly, e.g. after the sensor slipped, keeps its rhythm).
    /// A counting S1 joins the reference. Allocation-free.
    /// </summary>
    private bool EndsNoHeartSoundsGap(float level, double centre)
    {
        double fraction = Profile.NoHeartSoundsMinRelativeLevel;
        if (fraction <= 0 || !float.IsFinite(level))
        {
            return true;
        }

        if (S1LevelCount >= MinReferenceLevels && level < fraction * MedianLevel())
        {
            S1Times[S1TimeHead] = centre;
            S1TimeHead = (S1TimeHead + 1) % S1Ring;
            S1TimeCount = Math.Min(S1TimeCount + 1, S1Ring);
            if (!InFaintTrain(centre))
            {
                return false;
            }
        }

        S1Levels[S1LevelHead] = level;
        S1LevelHead = (S1LevelHead + 1) % S1Ring;
        S1LevelCount = Math.Min(S1LevelCount + 1, S1Ring);
        return true;
    }

    private double MedianLevel()
    {
        Span<double> used = stackalloc double[S1LevelCount];
        S1Levels.AsSpan(0, S1LevelCount).CopyTo(used);
        return Median.InPlace(used);
    }

    /// <summary>Whether at least the profile's train of faint S1 (this one included) lie within the gap up to <paramref name="centre"/>.</summary>
    private bool InFaintTrain(double centre)
    {
        int n = 0;
        for (int i = 0; i < S1TimeCount; i++)
        {
            n += S1Times[i] <= centre && S1Times[i] > centre - Profile.NoHeartSoundsGapSeconds ? 1 : 0;
        }

        return n >= Profile.NoHeartSoundsFaintS1Train;
    }

    /// <summary>Median S1→S2 interval of the pairs whose S2 lies in [from, to]; NaN when none. Allocation-free.</summary>
    public double MedianSystole(double from, double to)
    {
        Span<double> values = stackalloc double[SystoleRing];
        int n = 0;
        for (int i = 0; i < SystoleCount; i++)
        {
            if (SystoleAt[i] >= from && SystoleAt[i] <= to)
            {
                values[n++] = Systole[i];
            }
        }

        if (n == 0)
        {
            return double.NaN;
        }

        return Median.InPlace(values[..n]);
    }
}
