namespace HeartStream.Pipeline.Telemetry;

/// <summary>Synchronous <c>Gauge&lt;T&gt;</c>: the last recorded value per series.</summary>
internal sealed class LastValueFamily(string name, string help, int maxSeries) : MetricFamily(name, help)
{
    private readonly SeriesTable<Series> _table = new(maxSeries, static labels => new Series(labels));

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Series? series = _table.GetOrAdd(tags);
        if (series is null)
        {
            CountDropped();
            return;
        }

        Volatile.Write(ref series.Value, value);
    }

    public override void Write(TextWriter writer)
    {
        PrometheusText.WriteHeader(writer, Name, Help, "gauge");
        foreach (Series series in _table.Snapshot())
        {
            PrometheusText.WriteSample(writer, Name, series.Labels.Rendered, null, Volatile.Read(ref series.Value));
        }
    }

    private sealed class Series(LabelSet labels) : ISeries
    {
#pragma warning disable CA1051 // A field, not a property: Volatile.Write needs it by ref.
        public double Value;
#pragma warning restore CA1051

        public LabelSet Labels { get; } = labels;
    }
}
