using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Collects System.Diagnostics.Metrics measurements with a <see cref="MeterListener"/> and writes them in the
/// Prometheus text exposition format 0.0.4. Counters, up-down counters, gauges and histograms are aggregated as they
/// are recorded (lock-free, no allocation once a label combination has been seen); observable instruments are
/// observed when <see cref="WriteTo"/> runs. Only meters named in <see cref="PrometheusExporterOptions.MeterNames"/>
/// are exported. Instrument names become metric names (sanitised); counters get a <c>_total</c> suffix; the
/// instrument description is the help text; histogram buckets come from the instrument's
/// <see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>.
/// </summary>
public sealed class PrometheusTextExporter : IDisposable
{
    /// <summary>The Content-Type of the output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly PrometheusExporterOptions _options;
    private readonly HashSet<string> _meterNames;
    private readonly ILogger _logger;
    private readonly MeterListener _listener;
    private readonly Lock _familiesLock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly Lock _collectLock = new();
    private MetricFamily[] _sortedFamilies = [];
    private long _droppedFromRemoved;

    /// <summary>Starts listening; measurements recorded before this are not seen.</summary>
    public PrometheusTextExporter(PrometheusExporterOptions? options = null, ILogger<PrometheusTextExporter>? logger = null)
    {
        _options = options ?? new PrometheusExporterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSeriesPerMetric, 1, "options.MaxSeriesPerMetric");
        _meterNames = new HashSet<string>(_options.MeterNames, StringComparer.Ordinal);
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };

        // Static lambdas: one cached delegate each, so recording a measurement allocates nothing here.
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Measurements not kept: invalid values (NaN, negative counter increments) or too many label combinations.</summary>
    public long DroppedMeasurements
    {
        get
        {
            long total = Volatile.Read(ref _droppedFromRemoved);
            foreach (MetricFamily family in Volatile.Read(ref _sortedFamilies))
            {
                total += family.Dropped;
            }

            return total;
        }
    }

    /// <summary>Writes all metrics, sorted by name, in text format 0.0.4 ("\n" line ends).</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_collectLock)
        {
            MetricFamily[] families = Volatile.Read(ref _sortedFamilies);
            foreach (MetricFamily family in families)
            {
                family.BeginCollect();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException ex)
            {
                // The listener observes every instrument before throwing, so the others are still complete.
                TelemetryLog.ObserveFailed(_logger, ex);
            }

            foreach (MetricFamily family in families)
            {
                family.Write(writer);
            }

            if (_options.IncludeProcessMetrics)
            {
                ProcessMetrics.Write(writer);
            }
        }
    }

    /// <summary>All metrics as one string (see <see cref="WriteTo"/>).</summary>
    public string Collect()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterNames.Contains(instrument.Meter.Name))
        {
            return;
        }

        MetricFamily? family = CreateFamily(instrument);
        if (family is null)
        {
            return;
        }

        lock (_familiesLock)
        {
            if (!_families.TryAdd(family.Name, family))
            {
                TelemetryLog.DuplicateMetric(_logger, family.Name, instrument.Meter.Name);
                return;
            }

            PublishSorted();
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family)
        {
            return;
        }

        lock (_familiesLock)
        {
            if (_families.Remove(family.Name))
            {
                _droppedFromRemoved += family.Dropped;
                PublishSorted();
            }
        }
    }

    private void PublishSorted()
    {
        MetricFamily[] sorted = [.. _families.Values];
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        Volatile.Write(ref _sortedFamilies, sorted);
    }

    private MetricFamily? CreateFamily(Instrument instrument)
    {
        Type type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        Type definition = type.GetGenericTypeDefinition();
        string name = PrometheusText.SanitizeMetricName(instrument.Name);
        string help = string.IsNullOrWhiteSpace(instrument.Description) ? $"Instrument {instrument.Name}." : instrument.Description;
        int maxSeries = _options.MaxSeriesPerMetric;

        if (definition == typeof(Counter<>))
        {
            return new SumFamily(WithTotal(name), help, monotonic: true, maxSeries);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return new SumFamily(name, help, monotonic: false, maxSeries);
        }

        if (definition == typeof(Histogram<>))
        {
            return new HistogramFamily(name, help, BucketAdvice(instrument), maxSeries);
        }

        if (definition == typeof(Gauge<>))
        {
            return new LastValueFamily(name, help, maxSeries);
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return new ObservedFamily(WithTotal(name), help, "counter");
        }

        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>))
        {
            return new ObservedFamily(name, help, "gauge");
        }

        return null;
    }

    private static string WithTotal(string name) => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";

    private static double[]? BucketAdvice(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b).ToArray(),
        _ => null,
    };
}
