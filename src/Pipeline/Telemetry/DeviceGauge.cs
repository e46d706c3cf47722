namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// The last heart rate and signal quality of one device, read at scrape time. Values start as NaN (unknown), and
/// unknown values are not exported, so a device that has not produced an estimate yet shows no misleading zero.
/// </summary>
public sealed class DeviceGauge
{
    private double _heartRateBpm = double.NaN;
    private double _signalQuality = double.NaN;

    internal DeviceGauge(string deviceId) => DeviceId = deviceId;

    /// <summary>The device id (the <c>device</c> label).</summary>
    public string DeviceId { get; }

    /// <summary>Last heart rate in beats per minute, NaN if unknown.</summary>
    public double HeartRateBpm => Volatile.Read(ref _heartRateBpm);

    /// <summary>Last signal quality in [0, 1], NaN if unknown.</summary>
    public double SignalQuality => Volatile.Read(ref _signalQuality);

    /// <summary>Sets the heart rate; NaN means unknown (the series is hidden).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or infinite.</exception>
    public void SetHeartRate(double bpm)
    {
        if (bpm < 0 || double.IsInfinity(bpm))
        {
            throw new ArgumentOutOfRangeException(nameof(bpm), bpm, "Heart rate must be a finite, non-negative number of beats per minute (or NaN for unknown).");
        }

        Volatile.Write(ref _heartRateBpm, bpm);
    }

    /// <summary>Sets the signal quality; NaN means unknown (the series is hidden).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1].</exception>
    public void SetSignalQuality(double quality)
    {
        if (quality is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "Signal quality must be in [0, 1] (or NaN for unknown).");
        }

        Volatile.Write(ref _signalQuality, quality);
    }
}
