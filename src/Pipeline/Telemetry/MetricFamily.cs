namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// Aggregated state of one exported instrument. <see cref="Record"/> runs on the caller's thread inside
/// <c>Counter.Add</c> and friends (the hot path: lock-free, no allocation once a label combination exists);
/// <see cref="Write"/> runs at scrape time.
/// </summary>
internal abstract class MetricFamily(string name, string help)
{
    /// <summary>Exported family name (with <c>_total</c> for counters).</summary>
    public string Name { get; } = name;

    public string Help { get; } = help;

    /// <summary>Measurements this family could not keep (too many label combinations, or invalid values).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    private long _dropped;

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called once per scrape before observable instruments are observed.</summary>
    public virtual void BeginCollect()
    {
    }

    public abstract void Write(TextWriter writer);

    protected void CountDropped() => Interlocked.Increment(ref _dropped);
}
