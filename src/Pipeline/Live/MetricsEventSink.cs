using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Turns events into metrics: beats (by type) and their end-to-end latency, the per-device heart-rate and quality
/// gauges (a device is tracked from Online to Offline/Error), live classification results by model. Never allocates
/// per beat.
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
                if (!HeartStreamMetrics.Devices.TryAdd(vitals.DeviceId, out DeviceGauge? gauge) || gauge is null)
                {
                    break; // beyond the fleet size: analysed and alerted on, but no per-device series
                }

                if (vitals.HeartRateBpm is double bpm)
                {
                    gauge.SetHeartRate(bpm);
                }

                gauge.SetSignalQuality(vitals.SignalQuality);
                break;
            case ClassificationEvent classification:
                HeartStreamMetrics.AddClassification(ModelName(classification.ModelVersion));
                break;
            case DeviceStatusEvent { Status: DeviceStatus.Online } online:
                HeartStreamMetrics.Devices.TryAdd(online.DeviceId, out _);
                break;
            case DeviceStatusEvent { Status: DeviceStatus.Offline or DeviceStatus.Error } gone:
                HeartStreamMetrics.Devices.Remove(gone.DeviceId);
                break;
            default:
                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>"classifier-murmur 1.0.0" → "classifier-murmur": the version would multiply series at every retrain.</summary>
    private static string ModelName(string modelVersion)
    {
        int space = modelVersion.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? modelVersion[..space] : modelVersion;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
