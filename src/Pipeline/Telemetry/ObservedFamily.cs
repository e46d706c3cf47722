namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Observable instruments (gauge, counter, up-down counter): values exist only for the scrape that observed them,
/// so a series whose callback stops reporting it (a removed device) disappears from the next scrape.
/// </summary>
internal sealed class ObservedFamily(string name, string help, string type) : MetricFamily(name, help)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _current = new(StringComparer.Ordinal);

    public override void BeginCollect()
    {
        lock (_lock)
        {
            _current.Clear();
        }
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Only runs inside MeterListener.RecordObservableInstruments at scrape time, so allocating here is fine.
        LabelSet labels = LabelSet.Create(tags, 0);
        lock (_lock)
        {
            _current[labels.Rendered] = value;
        }
    }

    public override void Write(TextWriter writer)
    {
        PrometheusText.WriteHeader(writer, Name, Help, type);
        KeyValuePair<string, double>[] samples;
        lock (_lock)
        {
            samples = [.. _current];
        }

        Array.Sort(samples, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (KeyValuePair<string, double> sample in samples)
        {
            PrometheusText.WriteSample(writer, Name, sample.Key, null, sample.Value);
        }
    }
}
