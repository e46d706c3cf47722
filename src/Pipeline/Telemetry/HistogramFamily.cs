using System.Diagnostics;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Histogram with fixed upper bounds (le, inclusive). Each series keeps per-bucket counts (one Interlocked increment
/// per measurement) and a sum; the output makes them cumulative and derives <c>_count</c> from the same snapshot, so
/// <c>_count</c> always equals the <c>+Inf</c> bucket.
/// </summary>
internal sealed class HistogramFamily : MetricFamily
{
    /// <summary>Prometheus client libraries' default buckets, used when an instrument gives no advice.</summary>
    public static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly double[] _bounds;
    private readonly string[] _leLabels;
    private readonly SeriesTable<Series> _table;

    public HistogramFamily(string name, string help, IReadOnlyList<double>? bounds, int maxSeries)
        : base(name, help)
    {
        _bounds = bounds is { Count: > 0 } ? [.. bounds] : DefaultBounds;
        for (int i = 0; i < _bounds.Length; i++)
        {
            if (!double.IsFinite(_bounds[i]) || (i > 0 && _bounds[i] <= _bounds[i - 1]))
            {
                throw new ArgumentException($"Histogram '{name}' bucket bounds must be finite and strictly increasing; got [{string.Join(", ", _bounds)}].", nameof(bounds));
            }
        }

        _leLabels = [.. _bounds.Select(b => "le=\"" + PrometheusText.FormatValue(b) + "\""), "le=\"+Inf\""];
        int bucketCount = _bounds.Length + 1;
        _table = new SeriesTable<Series>(maxSeries, labels => new Series(labels, bucketCount));
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            CountDropped();
            return;
        }

        Series? series = _table.GetOrAdd(tags);
        if (series is null)
        {
            CountDropped();
            return;
        }

        int index = Array.BinarySearch(_bounds, value);
        if (index < 0)
        {
            index = ~index; // first bound above the value, or the +Inf bucket
        }

        Interlocked.Increment(ref series.Counts[index]);
        AtomicDouble.Add(ref series.Sum, value);
    }

    public override void Write(TextWriter writer)
    {
        PrometheusText.WriteHeader(writer, Name, Help, "histogram");
        string bucketName = Name + "_bucket";
        string sumName = Name + "_sum";
        string countName = Name + "_count";
        foreach (Series series in _table.Snapshot())
        {
            long cumulative = 0;
            for (int i = 0; i < series.Counts.Length; i++)
            {
                cumulative += Volatile.Read(ref series.Counts[i]);
                PrometheusText.WriteSample(writer, bucketName, series.Labels.Rendered, _leLabels[i], cumulative);
            }

            Debug.Assert(cumulative >= 0, "bucket counts only grow");
            PrometheusText.WriteSample(writer, sumName, series.Labels.Rendered, null, Volatile.Read(ref series.Sum));
            PrometheusText.WriteSample(writer, countName, series.Labels.Rendered, null, cumulative);
        }
    }

    private sealed class Series(LabelSet labels, int bucketCount) : ISeries
    {
#pragma warning disable CA1051 // Fields, not properties: Interlocked and AtomicDouble need them by ref.
        public readonly long[] Counts = new long[bucketCount];
        public double Sum;
#pragma warning restore CA1051

        public LabelSet Labels { get; } = labels;
    }
}
