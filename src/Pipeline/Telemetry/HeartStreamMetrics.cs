using System.Diagnostics.Metrics;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Every metric HeartStream publishes, in one place: one <see cref="System.Diagnostics.Metrics.Meter"/> named
/// <see cref="MeterName"/> and one static instrument per metric, so call sites cannot invent names or labels and
/// docs/metrics.md can list them all. Instrument names are already the Prometheus names
/// (<c>heartstream_&lt;area&gt;_&lt;thing&gt;_&lt;unit&gt;</c>); the exporter appends <c>_total</c> to counters.
/// Labels carry only small, fixed sets of values; the one exception is the per-device gauges, which are bounded by
/// <see cref="DeviceGaugeRegistry.Capacity"/> (the fleet size).
/// </summary>
/// <remarks>
/// The record methods take tags as individual <see cref="KeyValuePair{TKey, TValue}"/> arguments (not arrays), which
/// <see cref="Counter{T}.Add(T, KeyValuePair{string, object?})"/> passes on without allocating; label values are
/// strings, so nothing is boxed. Safe to call from any thread.
/// </remarks>
public static class HeartStreamMetrics
{
    /// <summary>Name of the meter; the exporter listens to it by default.</summary>
    public const string MeterName = "HeartStream";

    /// <summary>Most devices the per-device gauges will track; a fleet larger than this needs a deliberate change.</summary>
    public const int MaxTrackedDevices = 1024;

    /// <summary>Latency buckets in seconds (5 ms to 10 s), shared by the stage and end-to-end latency histograms.</summary>
    public static readonly IReadOnlyList<double> LatencyBucketsSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Inference duration buckets in seconds (1 ms to 5 s): a batch is usually a few milliseconds.</summary>
    public static readonly IReadOnlyList<double> InferenceBucketsSeconds =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>Batch size buckets (powers of two from 1 to 1024 windows).</summary>
    public static readonly IReadOnlyList<int> BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The meter all HeartStream instruments belong to; it lives as long as the process.</summary>
    public static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Devices currently streaming, with their last heart rate and signal quality.</summary>
    public static readonly DeviceGaugeRegistry Devices = new(MaxTrackedDevices);

    private static readonly ChannelDepthRegistry s_channelDepths = new();
    private static readonly ModelInfoRegistry s_models = new();
    private static int s_brokerConnected;

    /// <summary>Seconds of device audio that have gone through the analysis pipeline.</summary>
    public static readonly Counter<double> AudioProcessedSeconds = Meter.CreateCounter<double>(
        "heartstream_audio_processed_seconds", "s",
        "Seconds of device audio processed by the analysis pipeline.");

    /// <summary>Samples dropped at the capture edge (the only edge allowed to drop); label <c>reason</c>.</summary>
    public static readonly Counter<long> CaptureDroppedSamples = Meter.CreateCounter<long>(
        "heartstream_capture_dropped_samples", "{sample}",
        "Audio samples dropped at capture before analysis, by reason.");

    /// <summary>Incoming frames rejected as malformed or unusable; label <c>reason</c>.</summary>
    public static readonly Counter<long> CaptureRejectedFrames = Meter.CreateCounter<long>(
        "heartstream_capture_rejected_frames", "{frame}",
        "Incoming audio frames rejected as malformed or unusable, by reason.");

    /// <summary>Time one pipeline stage spent on one item; label <c>stage</c>.</summary>
    public static readonly Histogram<double> StageLatencySeconds = Meter.CreateHistogram<double>(
        "heartstream_pipeline_stage_latency_seconds", "s",
        "Time a pipeline stage spent processing one item, by stage.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });

    /// <summary>From a sample's arrival to the beat event it produced.</summary>
    public static readonly Histogram<double> EndToEndLatencySeconds = Meter.CreateHistogram<double>(
        "heartstream_pipeline_end_to_end_latency_seconds", "s",
        "Time from the arrival of an audio sample to the beat event it produced.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });

    /// <summary>Windows per inference batch.</summary>
    public static readonly Histogram<int> InferenceBatchSizeWindows = Meter.CreateHistogram<int>(
        "heartstream_inference_batch_size_windows", "{window}",
        "Number of analysis windows in one inference batch.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBuckets });

    /// <summary>Wall time of one inference call.</summary>
    public static readonly Histogram<double> InferenceDurationSeconds = Meter.CreateHistogram<double>(
        "heartstream_inference_duration_seconds", "s",
        "Wall-clock time of one inference batch in the model runtime.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InferenceBucketsSeconds });

    /// <summary>Heart sounds found by segmentation; label <c>type</c> = s1 | s2.</summary>
    public static readonly Counter<long> BeatsDetected = Meter.CreateCounter<long>(
        "heartstream_segmentation_beats_detected", "{beat}",
        "Heart sounds detected by segmentation, by type (s1 or s2).");

    /// <summary>Live window classification results reported; label <c>model</c> (the classifier's name, a few values).</summary>
    public static readonly Counter<long> Classifications = Meter.CreateCounter<long>(
        "heartstream_classifications", "{classification}",
        "Live window classification results reported, by classifier model.");

    /// <summary>Live window classifiers that failed at run time and stopped for their device; label <c>model</c>.</summary>
    public static readonly Counter<long> ClassifierFailures = Meter.CreateCounter<long>(
        "heartstream_classifier_failures", "{failure}",
        "Live window classifiers that failed at run time and stopped for their device (segmentation and vitals go on), by classifier model.");

    /// <summary>Alerts raised by the alert engine; labels <c>type</c> and <c>priority</c>.</summary>
    public static readonly Counter<long> AlertsRaised = Meter.CreateCounter<long>(
        "heartstream_alerts_raised", "{alert}",
        "Alerts raised by the alert engine, by alert type and priority.");

    /// <summary>Items waiting in each pipeline channel; label <c>stage</c> (the stage that reads the channel).</summary>
    public static readonly ObservableGauge<long> ChannelDepthItems = Meter.CreateObservableGauge<long>(
        "heartstream_pipeline_channel_depth_items", s_channelDepths.Observe, "{item}",
        "Items waiting in the input channel of a pipeline stage, by stage.");

    /// <summary>Devices currently streaming audio (those in <see cref="Devices"/>).</summary>
    public static readonly ObservableGauge<int> DevicesActive = Meter.CreateObservableGauge<int>(
        "heartstream_devices_active", () => Devices.Count, "{device}",
        "Devices currently streaming audio to this instance.");

    /// <summary>Last heart rate per device; label <c>device</c>, bounded by <see cref="MaxTrackedDevices"/>.</summary>
    public static readonly ObservableGauge<double> DeviceHeartRateBpm = Meter.CreateObservableGauge<double>(
        "heartstream_device_heart_rate_bpm", Devices.ObserveHeartRate, "{beat}/min",
        "Most recent heart rate estimate of each active device, in beats per minute.");

    /// <summary>Last signal quality per device (0 = unusable, 1 = clean); label <c>device</c>.</summary>
    public static readonly ObservableGauge<double> DeviceSignalQualityRatio = Meter.CreateObservableGauge<double>(
        "heartstream_device_signal_quality_ratio", Devices.ObserveSignalQuality, "1",
        "Most recent signal quality of each active device, from 0 (unusable) to 1 (clean).");

    /// <summary>1 for each loaded model; labels <c>model</c>, <c>version</c>, <c>provider</c>.</summary>
    public static readonly ObservableGauge<int> ModelInfo = Meter.CreateObservableGauge<int>(
        "heartstream_model_info", s_models.Observe, null,
        "Loaded model, its version and the inference provider running it; the value is always 1.");

    /// <summary>1 while the MQTT client is connected to the broker, else 0.</summary>
    public static readonly ObservableGauge<int> MqttBrokerConnected = Meter.CreateObservableGauge<int>(
        "heartstream_mqtt_broker_connected", () => Volatile.Read(ref s_brokerConnected), null,
        "Whether the MQTT client is connected to the broker (1) or not (0).");

    /// <summary>Adds processed audio time.</summary>
    public static void AddAudioProcessed(double seconds) => AudioProcessedSeconds.Add(seconds);

    /// <summary>Counts samples dropped at capture; <paramref name="reason"/> is a short constant such as "channel_full".</summary>
    public static void AddDroppedSamples(long count, string reason) =>
        CaptureDroppedSamples.Add(count, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts a rejected frame; <paramref name="reason"/> is a short constant such as "bad_length".</summary>
    public static void AddRejectedFrame(string reason) =>
        CaptureRejectedFrames.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Records the time a stage spent on one item.</summary>
    public static void RecordStageLatency(string stage, double seconds) =>
        StageLatencySeconds.Record(seconds, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>Records sample arrival to beat event latency.</summary>
    public static void RecordEndToEndLatency(double seconds) => EndToEndLatencySeconds.Record(seconds);

    /// <summary>Records one inference batch: its size in windows and its duration.</summary>
    public static void RecordInference(int batchSize, double seconds)
    {
        InferenceBatchSizeWindows.Record(batchSize);
        InferenceDurationSeconds.Record(seconds);
    }

    /// <summary>Counts one detected heart sound.</summary>
    public static void AddBeat(SoundType type) =>
        BeatsDetected.Add(1, new KeyValuePair<string, object?>("type", type switch
        {
            SoundType.S1 => "s1",
            SoundType.S2 => "s2",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Sound type must be S1 or S2."),
        }));

    /// <summary>Counts one live classification result; <paramref name="model"/> is the model name (e.g. "classifier-murmur").</summary>
    public static void AddClassification(string model) =>
        Classifications.Add(1, new KeyValuePair<string, object?>("model", model));

    /// <summary>Counts one classifier that failed for one device; <paramref name="model"/> is the model name.</summary>
    public static void AddClassifierFailure(string model) =>
        ClassifierFailures.Add(1, new KeyValuePair<string, object?>("model", model));

    /// <summary>Counts one raised alert; both labels are short constants (e.g. "tachycardia", "high").</summary>
    public static void AddAlert(string type, string priority) =>
        AlertsRaised.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("priority", priority));

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
    /// stages in one process (tests, a benchmark beside a service) share the instrument and the first one wins.
    /// </summary>
    public static IDisposable? TryRegisterChannelDepth(string stage, Func<long> depth) => s_channelDepths.TryRegister(stage, depth);
}
