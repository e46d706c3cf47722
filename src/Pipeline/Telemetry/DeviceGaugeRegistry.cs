using System.Collections.Concurrent;
using Prometheus;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// The devices behind the per-device gauges. A device is added when it starts streaming and removed when it stops,
/// so its series disappear from /metrics with it; the capacity bounds the label set (a device id is a label only
/// here, and the fleet size is known). Updating a value is a volatile write and never allocates.
/// </summary>
public sealed class DeviceGaugeRegistry
{
    private const int MaxDeviceIdLength = 128;

    private readonly ConcurrentDictionary<string, DeviceGauge> _devices = new(StringComparer.Ordinal);
    private readonly Lock _addLock = new();
    private long _untracked;

    /// <summary>Creates a registry that tracks at most <paramref name="capacity"/> devices.</summary>
    public DeviceGaugeRegistry(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Most devices tracked at once.</summary>
    public int Capacity { get; }

    /// <summary>Devices tracked now.</summary>
    public int Count => _devices.Count;

    /// <summary>Starts tracking a device (or returns its existing entry).</summary>
    /// <exception cref="ArgumentException">The id is empty, too long or has control characters.</exception>
    /// <exception cref="InvalidOperationException">The registry is full.</exception>
    public DeviceGauge Add(string deviceId)
    {
        if (TryAdd(deviceId, out DeviceGauge? gauge))
        {
            return gauge!;
        }

        if (!IsValidId(deviceId))
        {
            throw new ArgumentException(
                $"Device id must be at most {MaxDeviceIdLength} printable characters; got '{deviceId}' ({deviceId?.Length ?? 0} chars).",
                nameof(deviceId));
        }

        throw new InvalidOperationException(
            $"Cannot track device '{deviceId}': the per-device metrics already track {Capacity} devices (the configured fleet size).");
    }

    /// <summary>
    /// Like <see cref="Add"/>, but false (no exception: it runs for every vitals event) when the registry is full or the
    /// id cannot be a label. The metrics sink must never stop the pipeline, so such a device is analysed and alerted on
    /// as any other, only without its own heart-rate and quality series (counted in <see cref="Untracked"/>).
    /// </summary>
    public bool TryAdd(string deviceId, out DeviceGauge? gauge)
    {
        if (deviceId is not null && _devices.TryGetValue(deviceId, out gauge))
        {
            return true;
        }

        if (!IsValidId(deviceId))
        {
            return Refuse(out gauge);
        }

        lock (_addLock)
        {
            if (_devices.TryGetValue(deviceId!, out gauge))
            {
                return true;
            }

            if (_devices.Count >= Capacity)
            {
                return Refuse(out gauge);
            }

            gauge = new DeviceGauge(deviceId!);
            _devices[deviceId!] = gauge;
            return true;
        }
    }

    /// <summary>Times a device could not get its own series (fleet size reached, or an id unfit for a label).</summary>
    public long Untracked => Interlocked.Read(ref _untracked);

    /// <summary>Stops tracking a device; false if it was not tracked.</summary>
    public bool Remove(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        lock (_addLock)
        {
            return _devices.TryRemove(deviceId, out _);
        }
    }

    /// <summary>At scrape time: one series per device with a known value; unknown (NaN) and removed devices have none.</summary>
    internal void CopyTo(Gauge heartRate, Gauge signalQuality)
    {
        HeartStreamMetrics.Replace(heartRate, Known(static g => g.HeartRateBpm));
        HeartStreamMetrics.Replace(signalQuality, Known(static g => g.SignalQuality));
    }

    private List<(string[] Labels, double Value)> Known(Func<DeviceGauge, double> value)
    {
        var result = new List<(string[] Labels, double Value)>(_devices.Count);
        foreach (DeviceGauge gauge in _devices.Values)
        {
            double v = value(gauge);
            if (!double.IsNaN(v))
            {
                result.Add(([gauge.DeviceId], v));
            }
        }

        return result;
    }

    private static bool IsValidId(string? deviceId) =>
        !string.IsNullOrWhiteSpace(deviceId) && deviceId.Length <= MaxDeviceIdLength && !deviceId.Any(char.IsControl);

    private bool Refuse(out DeviceGauge? gauge)
    {
        Interlocked.Increment(ref _untracked);
        gauge = null;
        return false;
    }
}
