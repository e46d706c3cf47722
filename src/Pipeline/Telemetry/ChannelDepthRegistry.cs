using System.Collections.Concurrent;
using Prometheus;

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

    /// <summary>Sets one series per registered stage; a depth callback that throws leaves its stage out of this scrape.</summary>
    public void CopyTo(Gauge gauge)
    {
        var series = new List<(string[] Labels, double Value)>(_depths.Count);
        foreach (KeyValuePair<string, Func<long>> entry in _depths)
        {
            long depth;
            try
            {
                depth = entry.Value();
            }
#pragma warning disable CA1031 // A broken callback must not fail the whole scrape; its series is simply missing.
            catch (Exception)
#pragma warning restore CA1031
            {
                continue;
            }

            series.Add(([entry.Key], depth));
        }

        HeartStreamMetrics.Replace(gauge, series);
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
