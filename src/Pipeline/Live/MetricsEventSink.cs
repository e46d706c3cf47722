using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Turns events into metrics: beats (by type) and their end-to-end latency, the per-device heart-rate and quality
/// gauges (a device is tracked from Online to Offline/Error). Never allocates per beat.
/// </summary>
public sealed class MetricsEventSink : IEventSink
{
    public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        switch (pipelineEvent)
        {
            case BeatEvent beat:
                HeartStreamMetrics.AddBeat(beat.Sound.Type);
                if (double.IsFinite(beat.LatencySeconds))
                {
                    HeartStreamMetrics.RecordEndToEndLatency(beat.LatencySeconds);
                }

                break;
            case VitalsEvent vitals:
                DeviceGauge gauge = HeartStreamMetrics.Devices.Add(vitals.DeviceId);
                if (vitals.HeartRateBpm is double bpm)
                {
                    gauge.SetHeartRate(bpm);
                }

                gauge.SetSignalQuality(vitals.SignalQuality);
                break;
            case DeviceStatusEvent { Status: DeviceStatus.Online } online:
                HeartStreamMetrics.Devices.Add(online.DeviceId);
                break;
            case DeviceStatusEvent { Status: DeviceStatus.Offline or DeviceStatus.Error } gone:
                HeartStreamMetrics.Devices.Remove(gone.DeviceId);
                break;
            default:
                break;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
