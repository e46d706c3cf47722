using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>Depth callbacks of the pipeline channels, observed at scrape time (never on the data path).</summary>
internal sealed class ChannelDepthRegistry
{
    private readonly ConcurrentDictionary<string, Func<long>> _depths = new(StringComparer.Ordinal);

    public IDisposable Register(string stage, Func<long> depth) =>
        TryRegister(stage, depth) ?? throw new ArgumentException($"A channel depth for stage '{stage}' is already registered; dispose it first.", nameof(stage));

    /// <summary>Registers, or returns null when the stage is reported already (the first registration wins).</summary>
    public IDisposable? TryRegister(string stage, Func<long> depth)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentNullException.ThrowIfNull(depth);
        return _depths.TryAdd(stage, depth) ? new Registration(this, stage, depth) : null;
    }

    public IEnumerable<Measurement<long>> Observe()
    {
        var result = new List<Measurement<long>>(_depths.Count);
        foreach (KeyValuePair<string, Func<long>> entry in _depths)
        {
            result.Add(new Measurement<long>(entry.Value(), new KeyValuePair<string, object?>("stage", entry.Key)));
        }

        return result;
    }

    private sealed class Registration(ChannelDepthRegistry owner, string stage, Func<long> depth) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // Remove only our own entry, so disposing twice or late never removes a newer registration.
                owner._depths.TryRemove(new KeyValuePair<string, Func<long>>(stage, depth));
            }
        }
    }
}
