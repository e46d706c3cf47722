using HeartStream.Pipeline.Segmentation;
using Prometheus;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Every metric HeartStream publishes, in one place: prometheus-net collectors in one <see cref="Registry"/> (not
/// prometheus-net's default registry, so nothing else lands on /metrics), so call sites cannot invent names or labels
/// and docs/metrics.md can list them all. Names follow <c>heartstream_&lt;area&gt;_&lt;thing&gt;_&lt;unit&gt;[_total]</c>.
/// Labels carry only small, fixed sets of values; the one exception is the per-device gauges, which are bounded by
/// <see cref="DeviceGaugeRegistry.Capacity"/> (the fleet size).
/// </summary>
/// <remarks>
/// The record methods allocate nothing in steady state: labelled children are looked up in a cache keyed by the label
/// value (the label values are constants at the call sites, so the cache stays small), and values that would break
/// the exposition (NaN, a negative counter increment) are dropped and counted in <see cref="InvalidMeasurements"/>
/// instead of throwing on a data path. Values that only exist at scrape time (channel depths, devices, models,
/// broker state, process figures) are set by a before-collect callback. Safe to call from any thread.
/// </remarks>
public static class HeartStreamMetrics
{
    /// <summary>Most devices the per-device gauges will track; a fleet larger than this needs a deliberate change.</summary>
    public const int MaxTrackedDevices = 1024;

    /// <summary>Latency buckets in seconds (5 ms to 10 s), shared by the stage and end-to-end latency histograms.</summary>
    public static readonly IReadOnlyList<double> LatencyBucketsSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Inference duration buckets in seconds (1 ms to 5 s): a batch is usually a few milliseconds.</summary>
    public static readonly IReadOnlyList<double> InferenceBucketsSeconds =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>Batch size buckets (powers of two from 1 to 1024 windows).</summary>
    public static readonly IReadOnlyList<double> BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The registry /metrics exports (<c>MapMetrics(registry: HeartStreamMetrics.Registry)</c>).</summary>
    public static readonly CollectorRegistry Registry = Metrics.NewCustomRegistry();

    /// <summary>Devices currently streaming, with their last heart rate and signal quality.</summary>
    public static readonly DeviceGaugeRegistry Devices = new(MaxTrackedDevices);

    private static readonly IMetricFactory s_factory = Metrics.WithCustomRegistry(Registry);
    private static readonly ChannelDepthRegistry s_channelDepths = new();
    private static readonly ModelInfoRegistry s_models = new();
    private static readonly Lock s_observeLock = new();
    private static int s_brokerConnected;
    private static long s_invalid;

    private static readonly Counter s_audioProcessed = s_factory.CreateCounter(
        "heartstream_audio_processed_seconds_total",
        "Seconds of device audio processed by the analysis pipeline.");

    private static readonly ChildCache<Counter.Child> s_droppedSamples = new(s_factory.CreateCounter(
        "heartstream_capture_dropped_samples_total",
        "Audio samples dropped at capture before analysis, by reason.", ["reason"]));

    private static readonly ChildCache<Counter.Child> s_rejectedFrames = new(s_factory.CreateCounter(
        "heartstream_capture_rejected_frames_total",
        "Incoming audio frames rejected as malformed or unusable, by reason.", ["reason"]));

    private static readonly ChildCache<Histogram.Child> s_stageLatency = new(s_factory.CreateHistogram(
        "heartstream_pipeline_stage_latency_seconds",
        "Time a pipeline stage spent processing one item, by stage.",
        new HistogramConfiguration { LabelNames = ["stage"], Buckets = [.. LatencyBucketsSeconds] }));

    private static readonly Histogram s_endToEndLatency = s_factory.CreateHistogram(
        "heartstream_pipeline_end_to_end_latency_seconds",
        "Time from the arrival of an audio sample to the beat event it produced.",
        new HistogramConfiguration { Buckets = [.. LatencyBucketsSeconds] });

    private static readonly Histogram s_batchSize = s_factory.CreateHistogram(
        "heartstream_inference_batch_size_windows",
        "Number of analysis windows in one inference batch.",
        new HistogramConfiguration { Buckets = [.. BatchSizeBuckets] });

    private static readonly Histogram s_inferenceDuration = s_factory.CreateHistogram(
        "heartstream_inference_duration_seconds",
        "Wall-clock time of one inference batch in the model runtime.",
        new HistogramConfiguration { Buckets = [.. InferenceBucketsSeconds] });

    private static readonly Counter s_beats = s_factory.CreateCounter(
        "heartstream_segmentation_beats_detected_total",
        "Heart sounds detected by segmentation, by type (s1 or s2).", ["type"]);

    private static readonly Counter.Child s_beatsS1 = s_beats.WithLabels("s1");
    private static readonly Counter.Child s_beatsS2 = s_beats.WithLabels("s2");

    private static readonly ChildCache<Counter.Child> s_classifications = new(s_factory.CreateCounter(
        "heartstream_classifications_total",
        "Live window classification results reported, by classifier model.", ["model"]));

    private static readonly ChildCache<Counter.Child> s_acknowledgements = new(s_factory.CreateCounter(
        "heartstream_alert_acknowledgements_total",
        "Alert acknowledge commands received (MQTT or the web views), by result: accepted (an active alert), unknown (no active alert has that id), "
        + "malformed (not a valid command).", ["result"]));

    private static readonly ChildCache<Counter.Child> s_classifierFailures = new(s_factory.CreateCounter(
        "heartstream_classifier_failures_total",
        "Live window classifiers that failed at run time and stopped for their device (segmentation and vitals go on), "
        + "by classifier model.", ["model"]));

    private static readonly ChildCache<Counter.Child> s_alerts = new(s_factory.CreateCounter(
        "heartstream_alerts_raised_total",
        "Alerts raised by the alert engine, by alert type and priority.", ["type", "priority"]));

    private static readonly Gauge s_channelDepth = s_factory.CreateGauge(
        "heartstream_pipeline_channel_depth_items",
        "Items waiting in the input channel of a pipeline stage, by stage.", ["stage"]);

    private static readonly Gauge s_devicesActive = s_factory.CreateGauge(
        "heartstream_devices_active",
        "Devices currently streaming audio to this instance.");

    private static readonly Gauge s_deviceHeartRate = s_factory.CreateGauge(
        "heartstream_device_heart_rate_bpm",
        "Most recent heart rate estimate of each active device, in beats per minute.", ["device"]);

    private static readonly Gauge s_deviceQuality = s_factory.CreateGauge(
        "heartstream_device_signal_quality_ratio",
        "Most recent signal quality of each active device, from 0 (unusable) to 1 (clean).", ["device"]);

    private static readonly Gauge s_modelInfo = s_factory.CreateGauge(
        "heartstream_model_info",
        "Loaded model, its version and the inference provider running it; the value is always 1.",
        ["model", "version", "provider"]);

    private static readonly Gauge s_brokerConnectedGauge = s_factory.CreateGauge(
        "heartstream_mqtt_broker_connected",
        "Whether the MQTT client is connected to the broker (1) or not (0).");

    private static readonly Gauge s_shardsOwned = s_factory.CreateGauge(
        "heartstream_shards_owned",
        "Shards this instance owns (Mqtt:Shards > 0; 0 when sharding is off or before the membership settled).");

    private static readonly Counter s_shardMoves = s_factory.CreateCounter(
        "heartstream_shard_moves_total",
        "Shards this instance gained or lost since it started (membership changes: an instance joined, left or died).");

    private static readonly Counter s_handoverMissingFrames = s_factory.CreateCounter(
        "heartstream_shard_handover_missing_frames_total",
        "Audio frames between a moved device's last frame at its previous owner and its first frame here (0 on a planned move).");

    private static readonly Histogram s_shardHandover = s_factory.CreateHistogram(
        "heartstream_shard_handover_seconds",
        "Time this instance took to take over gained shards once it decided to (reading their retained alert state, "
        + "subscribing to their audio); the settle delay before it is not included.",
        new HistogramConfiguration { Buckets = [.. LatencyBucketsSeconds] });

    private static readonly ProcessMetrics s_process = new(s_factory);

    static HeartStreamMetrics() => Registry.AddBeforeCollectCallback(ObserveAll);

    /// <summary>
    /// Measurements not recorded because the value was NaN, infinite or a negative counter increment, or because
    /// their metric already had <see cref="ChildCache{TChild}.MaxChildren"/> label combinations.
    /// </summary>
    public static long InvalidMeasurements => Interlocked.Read(ref s_invalid);

    internal static void CountInvalid() => Interlocked.Increment(ref s_invalid);

    /// <summary>Adds processed audio time.</summary>
    public static void AddAudioProcessed(double seconds)
    {
        if (IsIncrement(seconds))
        {
            s_audioProcessed.Inc(seconds);
        }
    }

    /// <summary>Counts samples dropped at capture; <paramref name="reason"/> is a short constant such as "channel_full".</summary>
    public static void AddDroppedSamples(long count, string reason)
    {
        if (count >= 0)
        {
            s_droppedSamples.Get(reason)?.Inc(count);
        }
        else
        {
            CountInvalid();
        }
    }

    /// <summary>Counts a rejected frame; <paramref name="reason"/> is a short constant such as "bad_length".</summary>
    public static void AddRejectedFrame(string reason) => s_rejectedFrames.Get(reason)?.Inc();

    /// <summary>Records the time a stage spent on one item.</summary>
    public static void RecordStageLatency(string stage, double seconds)
    {
        if (IsObservation(seconds))
        {
            s_stageLatency.Get(stage)?.Observe(seconds);
        }
    }

    /// <summary>Records sample arrival to beat event latency.</summary>
    public static void RecordEndToEndLatency(double seconds)
    {
        if (IsObservation(seconds))
        {
            s_endToEndLatency.Observe(seconds);
        }
    }

    /// <summary>Records one inference batch: its size in windows and its duration.</summary>
    public static void RecordInference(int batchSize, double seconds)
    {
        s_batchSize.Observe(batchSize);
        if (IsObservation(seconds))
        {
            s_inferenceDuration.Observe(seconds);
        }
    }

    /// <summary>Counts one detected heart sound.</summary>
    public static void AddBeat(SoundType type) => (type switch
    {
        SoundType.S1 => s_beatsS1,
        SoundType.S2 => s_beatsS2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Sound type must be S1 or S2."),
    }).Inc();

    /// <summary>Counts one live classification result; <paramref name="model"/> is the model name (e.g. "classifier-murmur").</summary>
    public static void AddClassification(string model) => s_classifications.Get(model)?.Inc();

    /// <summary>Counts one classifier that failed for one device; <paramref name="model"/> is the model name.</summary>
    public static void AddClassifierFailure(string model) => s_classifierFailures.Get(model)?.Inc();

    /// <summary>Counts one acknowledge command; <paramref name="result"/> is "accepted", "unknown" or "malformed".</summary>
    public static void AddAcknowledgement(string result) => s_acknowledgements.Get(result)?.Inc();

    /// <summary>Counts one raised alert; both labels are short constants (e.g. "tachycardia", "high").</summary>
    public static void AddAlert(string type, string priority) => s_alerts.Get(type, priority)?.Inc();

    /// <summary>Sets the number of shards this instance owns.</summary>
    public static void SetShardsOwned(int count) => s_shardsOwned.Set(count);

    /// <summary>Counts shards gained or lost.</summary>
    public static void AddShardMoves(int count) => s_shardMoves.Inc(count);

    /// <summary>Counts frames missing between a moved device's previous owner and this instance.</summary>
    public static void AddHandoverMissingFrames(long frames)
    {
        if (frames > 0)
        {
            s_handoverMissingFrames.Inc(frames);
        }
    }

    /// <summary>Records one take-over of gained shards.</summary>
    public static void RecordShardHandover(double seconds)
    {
        if (IsObservation(seconds))
        {
            s_shardHandover.Observe(seconds);
        }
    }

    /// <summary>Sets the broker connection gauge.</summary>
    public static void SetBrokerConnected(bool connected) => Volatile.Write(ref s_brokerConnected, connected ? 1 : 0);

    /// <summary>Publishes (or replaces) the info series of a loaded model.</summary>
    public static void SetModelInfo(string model, string version, string provider) => s_models.Set(model, version, provider);

    /// <summary>Removes the info series of an unloaded model.</summary>
    public static void RemoveModelInfo(string model) => s_models.Remove(model);

    /// <summary>
    /// Makes the depth of one stage's input channel observable at scrape time, e.g.
    /// <c>RegisterChannelDepth("features", () => channel.Reader.Count)</c>. Dispose the result when the stage stops.
    /// </summary>
    /// <exception cref="ArgumentException">The stage name is empty or already registered.</exception>
    public static IDisposable RegisterChannelDepth(string stage, Func<long> depth) => s_channelDepths.Register(stage, depth);

    /// <summary>
    /// As <see cref="RegisterChannelDepth"/>, but null when the stage is reported already: several pipelines or batching
    /// stages in one process (tests, a benchmark beside a service) share the metric and the first one wins.
    /// </summary>
    public static IDisposable? TryRegisterChannelDepth(string stage, Func<long> depth) => s_channelDepths.TryRegister(stage, depth);

    /// <summary>Before every collection: copies the scrape-time values into their gauges.</summary>
    private static void ObserveAll()
    {
        lock (s_observeLock)
        {
            s_channelDepths.CopyTo(s_channelDepth);
            s_devicesActive.Set(Devices.Count);
            Devices.CopyTo(s_deviceHeartRate, s_deviceQuality);
            s_models.CopyTo(s_modelInfo);
            s_brokerConnectedGauge.Set(Volatile.Read(ref s_brokerConnected));
            s_process.Update();
        }
    }

    /// <summary>
    /// Makes a labelled gauge hold exactly the given series: sets each, removes every series not among them.
    /// Scrape-time only (it allocates).
    /// </summary>
    internal static void Replace(Gauge gauge, IReadOnlyCollection<(string[] Labels, double Value)> series)
    {
        var keep = new HashSet<string>(series.Count, StringComparer.Ordinal);
        foreach ((string[] labels, double value) in series)
        {
            gauge.WithLabels(labels).Set(value);
            keep.Add(string.Join('\u001f', labels));
        }

        foreach (string[] labels in gauge.GetAllLabelValues().ToList())
        {
            if (!keep.Contains(string.Join('\u001f', labels)))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }

    private static bool IsIncrement(double value)
    {
        if (value >= 0 && double.IsFinite(value))
        {
            return true;
        }

        CountInvalid();
        return false;
    }

    private static bool IsObservation(double value)
    {
        if (double.IsFinite(value))
        {
            return true;
        }

        CountInvalid();
        return false;
    }
}
