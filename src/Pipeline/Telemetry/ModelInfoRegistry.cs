using System.Collections.Concurrent;
using Prometheus;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>The loaded models behind <c>heartstream_model_info</c>, one series per model name.</summary>
internal sealed class ModelInfoRegistry
{
    private readonly ConcurrentDictionary<string, (string Version, string Provider)> _models = new(StringComparer.Ordinal);

    public void Set(string model, string version, string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        // Re-publishing the same model is common (every reload check); skip the dictionary write and its allocation.
        if (_models.TryGetValue(model, out (string Version, string Provider) current)
            && current.Version == version && current.Provider == provider)
        {
            return;
        }

        _models[model] = (version, provider);
    }

    public void Remove(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _models.TryRemove(model, out _);
    }

    /// <summary>Sets one series (value 1) per loaded model; unloaded models' series are removed.</summary>
    public void CopyTo(Gauge gauge) =>
        HeartStreamMetrics.Replace(gauge, [.. _models.Select(static e => (new[] { e.Key, e.Value.Version, e.Value.Provider }, 1.0))]);
}
