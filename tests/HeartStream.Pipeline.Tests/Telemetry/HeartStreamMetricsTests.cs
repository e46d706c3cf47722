using System.Text.RegularExpressions;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Telemetry;
using HeartStream.TestSupport;
using Prometheus;

namespace HeartStream.Pipeline.Tests.Telemetry;

[Collection(AllocationCollection.Name)]
public sealed class HeartStreamMetricsTests
{
    /// <summary>Every family docs/metrics.md lists; a renamed or missing instrument fails here.</summary>
    private static readonly string[] DocumentedFamilies =
    [
        "heartstream_alert_acknowledgements_total",
        "heartstream_alerts_raised_total",
        "heartstream_audio_processed_seconds_total",
        "heartstream_capture_dropped_samples_total",
        "heartstream_capture_rejected_frames_total",
        "heartstream_classifications_total",
        "heartstream_classifier_failures_total",
        "heartstream_device_heart_rate_bpm",
        "heartstream_device_signal_quality_ratio",
        "heartstream_devices_active",
        "heartstream_inference_batch_size_windows",
        "heartstream_inference_duration_seconds",
        "heartstream_model_info",
        "heartstream_mqtt_broker_connected",
        "heartstream_pipeline_channel_depth_items",
        "heartstream_pipeline_end_to_end_latency_seconds",
        "heartstream_pipeline_stage_latency_seconds",
        "heartstream_segmentation_beats_detected_total",
        "heartstream_shard_handover_missing_frames_total",
        "heartstream_shard_handover_seconds",
        "heartstream_shard_moves_total",
        "heartstream_shards_owned",
    ];

    [Fact]
    public void Collect_AllInstrumentsUsed_ExportsEveryDocumentedFamilyAndPassesPromtool()
    {
        DeviceGauge device = HeartStreamMetrics.Devices.Add("metrics-test-device-1");
        using IDisposable depth = HeartStreamMetrics.RegisterChannelDepth("metrics-test-stage", () => 17);
        try
        {
            RecordOneOfEach(device);
            string text = Scrape();

            string[] families = [.. Regex.Matches(text, "^# TYPE (heartstream_\\S+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];
            Assert.Equal(DocumentedFamilies, families);
            foreach (string required in new[] { "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "dotnet_gc_heap_size_bytes" })
            {
                Assert.Contains($"\n{required} ", text, StringComparison.Ordinal);
            }

            Assert.Contains("heartstream_pipeline_channel_depth_items{stage=\"metrics-test-stage\"} 17\n", text, StringComparison.Ordinal);
            Assert.Contains("heartstream_device_heart_rate_bpm{device=\"metrics-test-device-1\"} 72\n", text, StringComparison.Ordinal);
            Assert.Contains("heartstream_model_info{model=\"segmenter\",version=\"1.2.0\",provider=\"cpu\"} 1\n", text, StringComparison.Ordinal);
            Assert.Matches("heartstream_segmentation_beats_detected_total\\{type=\"s2\"\\} [1-9]", text);
            Promtool.AssertValid(text);
        }
        finally
        {
            HeartStreamMetrics.Devices.Remove(device.DeviceId);
            HeartStreamMetrics.RemoveModelInfo("segmenter");
        }
    }

    [Fact]
    public void Names_AllFamilies_FollowTheNamingScheme()
    {
        foreach (string name in DocumentedFamilies)
        {
            Assert.Matches("^heartstream_[a-z]+(_[a-z0-9]+)+$", name);
        }
    }

    [Fact]
    public void Devices_RemovedDevice_DisappearsFromNextScrape()
    {
        DeviceGauge device = HeartStreamMetrics.Devices.Add("metrics-test-device-2");
        device.SetSignalQuality(0.5);
        Assert.Contains("heartstream_device_signal_quality_ratio{device=\"metrics-test-device-2\"} 0.5\n", Scrape(), StringComparison.Ordinal);
        Assert.DoesNotContain("heartstream_device_heart_rate_bpm{device=\"metrics-test-device-2\"}", Scrape(), StringComparison.Ordinal);

        Assert.True(HeartStreamMetrics.Devices.Remove("metrics-test-device-2"));

        Assert.DoesNotContain("metrics-test-device-2", Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceRegistry_FullOrBadValues_ThrowsWithClearMessage()
    {
        var registry = new DeviceGaugeRegistry(capacity: 1);
        DeviceGauge first = registry.Add("a");
        Assert.Same(first, registry.Add("a"));

        var full = Assert.Throws<InvalidOperationException>(() => registry.Add("b"));
        Assert.Contains("'b'", full.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => registry.Add("bad\nid"));
        Assert.Throws<ArgumentOutOfRangeException>(() => first.SetSignalQuality(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => first.SetHeartRate(-3));
    }

    [Fact]
    public void DeviceRegistry_TryAddBeyondFleetSizeOrBadId_FalseAndCountedInsteadOfThrowing()
    {
        var registry = new DeviceGaugeRegistry(capacity: 1);

        Assert.True(registry.TryAdd("a", out DeviceGauge? a));
        Assert.NotNull(a);
        Assert.False(registry.TryAdd("b", out DeviceGauge? b));
        Assert.Null(b);
        Assert.False(registry.TryAdd("bad\nid", out _));
        Assert.True(registry.TryAdd("a", out DeviceGauge? again));

        Assert.Same(a, again);
        Assert.Equal(2, registry.Untracked);
    }

    [Fact]
    public void RegisterChannelDepth_DuplicateStageThenDispose_ThrowsThenFreesTheName()
    {
        IDisposable registration = HeartStreamMetrics.RegisterChannelDepth("metrics-test-dup", () => 3);
        Assert.Throws<ArgumentException>(() => HeartStreamMetrics.RegisterChannelDepth("metrics-test-dup", () => 4));

        registration.Dispose();
        Assert.DoesNotContain("metrics-test-dup", Scrape(), StringComparison.Ordinal);
        HeartStreamMetrics.RegisterChannelDepth("metrics-test-dup", () => 5).Dispose();
    }

    [Fact]
    public void RecordMethods_SteadyState_AllocateNothing()
    {
        DeviceGauge device = HeartStreamMetrics.Devices.Add("metrics-test-device-3");
        try
        {
            RecordOneOfEach(device);

            // Least of several rounds: a one-off (a tier-up, a lazily built structure) shows in one round only, an
            // allocation per record call in every round.
            long least = long.MaxValue;
            for (int round = 0; round < 6; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    RecordOneOfEach(device);
                }

                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        }
        finally
        {
            HeartStreamMetrics.Devices.Remove(device.DeviceId);
            HeartStreamMetrics.RemoveModelInfo("segmenter");
        }
    }

    private static void RecordOneOfEach(DeviceGauge device)
    {
        HeartStreamMetrics.AddAudioProcessed(0.02);
        HeartStreamMetrics.AddDroppedSamples(40, "channel_full");
        HeartStreamMetrics.AddRejectedFrame("bad_length");
        HeartStreamMetrics.RecordStageLatency("features", 0.004);
        HeartStreamMetrics.RecordEndToEndLatency(0.3);
        HeartStreamMetrics.RecordInference(32, 0.006);
        HeartStreamMetrics.AddBeat(SoundType.S1);
        HeartStreamMetrics.AddBeat(SoundType.S2);
        HeartStreamMetrics.AddAlert("tachycardia", "high");
        HeartStreamMetrics.AddClassification("classifier-murmur");
        HeartStreamMetrics.AddClassifierFailure("classifier-murmur");
        HeartStreamMetrics.SetShardsOwned(3);
        HeartStreamMetrics.AddShardMoves(2);
        HeartStreamMetrics.RecordShardHandover(0.4);
        HeartStreamMetrics.AddHandoverMissingFrames(3);
        HeartStreamMetrics.AddAcknowledgement("accepted");
        HeartStreamMetrics.SetBrokerConnected(true);
        HeartStreamMetrics.SetModelInfo("segmenter", "1.2.0", "cpu");
        device.SetHeartRate(72);
        device.SetSignalQuality(0.9);
    }

    [Fact]
    public void RecordMethods_InvalidValues_DroppedAndCountedNotThrown()
    {
        long before = HeartStreamMetrics.InvalidMeasurements;
        double audioBefore = MetricsScrape.Value(HeartStreamMetrics.Registry, "heartstream_audio_processed_seconds_total");

        HeartStreamMetrics.AddAudioProcessed(-1);
        HeartStreamMetrics.AddAudioProcessed(double.NaN);
        HeartStreamMetrics.AddDroppedSamples(-5, "channel_full");
        HeartStreamMetrics.RecordStageLatency("features", double.PositiveInfinity);

        Assert.Equal(4, HeartStreamMetrics.InvalidMeasurements - before);
        Assert.True(MetricsScrape.Value(HeartStreamMetrics.Registry, "heartstream_audio_processed_seconds_total") >= audioBefore);
        Promtool.AssertValid(Scrape());
    }

    [Fact]
    public void ChildCache_PastMaxChildren_RefusesNewLabelValuesAndCountsThem()
    {
        CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();
        Counter counter = Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter("cap_test_total", "test", ["reason"]);
        var cache = new ChildCache<Counter.Child>(counter);
        for (int i = 0; i < ChildCache<Counter.Child>.MaxChildren; i++)
        {
            Assert.NotNull(cache.Get("r" + i));
        }

        long before = HeartStreamMetrics.InvalidMeasurements;
        Assert.Null(cache.Get("one-too-many"));
        Assert.Same(cache.Get("r0"), cache.Get("r0"));
        Assert.Equal(1, HeartStreamMetrics.InvalidMeasurements - before);
        Assert.Equal(ChildCache<Counter.Child>.MaxChildren, counter.GetAllLabelValues().Count());
    }

    private static string Scrape() => MetricsScrape.Text(HeartStreamMetrics.Registry);
}
