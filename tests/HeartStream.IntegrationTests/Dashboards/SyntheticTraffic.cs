using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// SYNTHETIC metric traffic: a background loop that drives every <see cref="HeartStreamMetrics"/> instrument with
/// made-up but plausible values (three devices, a loaded model, a connected broker, some drops, rejections and
/// alerts), so every dashboard panel has data. It stands in for a running service fed with real recordings, which
/// is what these tests should eventually scrape. Disposing stops the loop and removes what it registered.
/// </summary>
internal sealed class SyntheticTraffic : IAsyncDisposable
{
    private static readonly string[] s_devices = ["synthetic-01", "synthetic-02", "synthetic-03"];
    private static readonly string[] s_stages = ["synthetic-features", "synthetic-inference", "synthetic-segmentation"]; // not the service's own stage names: a real pipeline may run beside this in the test process

    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDisposable> _channelDepths = [];
    private readonly Task _loop;

    public SyntheticTraffic()
    {
        HeartStreamMetrics.SetBrokerConnected(true);
        HeartStreamMetrics.SetModelInfo("synthetic-segmenter", "0.0.0-synthetic", "cpu");
        for (int i = 0; i < s_stages.Length; i++)
        {
            long depth = i + 1;
            _channelDepths.Add(HeartStreamMetrics.RegisterChannelDepth(s_stages[i], () => depth));
        }

        for (int i = 0; i < s_devices.Length; i++)
        {
            DeviceGauge device = HeartStreamMetrics.Devices.Add(s_devices[i]);
            device.SetHeartRate(60 + (10 * i));
            device.SetSignalQuality(0.5 + (0.2 * i));
        }

        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        for (long tick = 0; !_stop.IsCancellationRequested; tick++)
        {
            // Every 20 ms: 20 ms of audio from each device, a few stage timings, one inference batch, beats.
            HeartStreamMetrics.AddAudioProcessed(0.02 * s_devices.Length);
            HeartStreamMetrics.AddDroppedSamples(4, "channel_full");
            HeartStreamMetrics.AddRejectedFrame("bad_length");
            foreach (string stage in s_stages)
            {
                HeartStreamMetrics.RecordStageLatency(stage, 0.001 + (0.0005 * (tick % 7)));
            }

            HeartStreamMetrics.RecordEndToEndLatency(0.2 + (0.05 * (tick % 5)));
            HeartStreamMetrics.RecordInference((int)(1 + (tick % 16)), 0.002 + (0.001 * (tick % 3)));
            HeartStreamMetrics.AddBeat(SoundType.S1);
            HeartStreamMetrics.AddBeat(SoundType.S2);
            HeartStreamMetrics.AddAlert("tachycardia", tick % 2 == 0 ? "high" : "low");
            HeartStreamMetrics.AddClassification(tick % 2 == 0 ? "classifier-murmur" : "classifier-abnormal");
            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        foreach (IDisposable depth in _channelDepths)
        {
            depth.Dispose();
        }

        foreach (string device in s_devices)
        {
            HeartStreamMetrics.Devices.Remove(device);
        }

        HeartStreamMetrics.RemoveModelInfo("synthetic-segmenter");
        HeartStreamMetrics.SetBrokerConnected(false);
    }
}
