using System.Collections.Concurrent;
using Prometheus;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// The labelled children of one prometheus-net collector, cached by label values so a record call is a dictionary
/// lookup and no allocation (prometheus-net's <c>WithLabels</c> takes a <c>params</c> array). Label values are
/// constants at the call sites, so the cache holds a few entries per metric; past <see cref="MaxChildren"/> distinct
/// values a new one is refused (null, counted as an invalid measurement) so a bug cannot grow /metrics without bound.
/// </summary>
internal sealed class ChildCache<TChild>
    where TChild : ChildBase
{
    private readonly Collector<TChild> _collector;
    private readonly ConcurrentDictionary<string, TChild> _one = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), TChild> _two = new();

    /// <summary>The most label combinations one metric may have.</summary>
    public const int MaxChildren = 1000;

    public ChildCache(Collector<TChild> collector) => _collector = collector;

    public TChild? Get(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_one.TryGetValue(value, out TChild? child))
        {
            return child;
        }

        if (_one.Count >= MaxChildren)
        {
            HeartStreamMetrics.CountInvalid();
            return null;
        }

        return _one.GetOrAdd(value, v => _collector.WithLabels(v));
    }

    public TChild? Get(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (_two.TryGetValue((first, second), out TChild? child))
        {
            return child;
        }

        if (_two.Count >= MaxChildren)
        {
            HeartStreamMetrics.CountInvalid();
            return null;
        }

        return _two.GetOrAdd((first, second), k => _collector.WithLabels(k.Item1, k.Item2));
    }
}
