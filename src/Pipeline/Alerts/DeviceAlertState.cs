using HeartStream.Pipeline.Events;

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
}
