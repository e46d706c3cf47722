namespace HeartStream.Pipeline.Telemetry;

/// <summary>Counter (exported as counter) or UpDownCounter (exported as gauge): a running sum per series.</summary>
internal sealed class SumFamily : MetricFamily
{
    private readonly SeriesTable<Series> _table;
    private readonly bool _monotonic;

    public SumFamily(string name, string help, bool monotonic, int maxSeries)
        : base(name, help)
    {
        _monotonic = monotonic;
        _table = new SeriesTable<Series>(maxSeries, static labels => new Series(labels));
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A counter only goes up; a negative or NaN increment would make every rate() wrong, so it is not kept.
        if (double.IsNaN(value) || (_monotonic && value < 0))
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

        AtomicDouble.Add(ref series.Sum, value);
    }

    public override void Write(TextWriter writer)
    {
        PrometheusText.WriteHeader(writer, Name, Help, _monotonic ? "counter" : "gauge");
        foreach (Series series in _table.Snapshot())
        {
            PrometheusText.WriteSample(writer, Name, series.Labels.Rendered, null, Volatile.Read(ref series.Sum));
        }
    }

    private sealed class Series(LabelSet labels) : ISeries
    {
#pragma warning disable CA1051 // A field, not a property: AtomicDouble.Add needs it by ref.
        public double Sum;
#pragma warning restore CA1051

        public LabelSet Labels { get; } = labels;
    }
}
