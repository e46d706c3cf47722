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
    public double OpenS1 = double.NaN;
    public readonly double[] Systole = new double[SystoleRing];
    public readonly double[] SystoleAt = new double[SystoleRing];
    public int SystoleCount;
    public int SystoleHead;

    public double FirstTime { get; }

    public void AddSound(HeartSound sound)
    {
        SawSounds = true;
        double c = sound.CentreSeconds;
        if (sound.Type == SoundType.S1)
        {
            LastS1 = double.IsNaN(LastS1) ? c : Math.Max(LastS1, c);
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

        Span<double> used = values[..n];
        used.Sort();
        return n % 2 == 1 ? used[n / 2] : 0.5 * (used[(n / 2) - 1] + used[n / 2]);
    }
}
