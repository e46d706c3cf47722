using System.Globalization;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;

namespace HeartStream.Commands;

/// <summary>The demo's terminal view: alert steps as they happen, and a vitals line per device every few seconds.</summary>
internal sealed class DemoDisplaySink(TextWriter writer) : IEventSink
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, (VitalsEvent? Vitals, DeviceStatus Status)> _devices = new(StringComparer.Ordinal);

    public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            switch (pipelineEvent)
            {
                case VitalsEvent v:
                    _devices[v.DeviceId] = (v, _devices.TryGetValue(v.DeviceId, out var d) ? d.Status : DeviceStatus.Online);
                    break;
                case DeviceStatusEvent s:
                    _devices[s.DeviceId] = (_devices.TryGetValue(s.DeviceId, out var e) ? e.Vitals : null, s.Status);
                    if (s.Status == DeviceStatus.Error)
                    {
                        writer.WriteLine($"  [status] {s.DeviceId}: error: {s.Reason}");
                    }

                    break;
                case AlertEvent a:
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [alert]  {a.DeviceId} {a.State.ToString().ToUpperInvariant()} {AlertTypeInfo.WireName(a.Type)} ({a.Priority}) at {a.StreamTimeSeconds:0.0} s: {a.Message}"));
                    break;
                default:
                    break;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Prints one line per device with its latest vitals.</summary>
    public void PrintVitals()
    {
        lock (_gate)
        {
            foreach ((string id, (VitalsEvent? v, DeviceStatus status)) in _devices)
            {
                string rate = v?.HeartRateBpm is double bpm ? bpm.ToString("0", CultureInfo.InvariantCulture) + " bpm" : "-- bpm";
                string quality = v is null ? "--" : v.SignalQuality.ToString("0.00", CultureInfo.InvariantCulture);
                string time = v is null ? "--" : v.StreamTimeSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
                writer.WriteLine($"  {id,-10} {status,-8} HR {rate,-8} quality {quality,-5} beats/10s {v?.BeatsInWindow ?? 0,-3} t={time}");
            }
        }
    }
}
