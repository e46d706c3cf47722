using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

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

    public IEnumerable<Measurement<int>> Observe()
    {
        var result = new List<Measurement<int>>(_models.Count);
        foreach (KeyValuePair<string, (string Version, string Provider)> entry in _models)
        {
            result.Add(new Measurement<int>(
                1,
                new KeyValuePair<string, object?>("model", entry.Key),
                new KeyValuePair<string, object?>("version", entry.Value.Version),
                new KeyValuePair<string, object?>("provider", entry.Value.Provider)));
        }

        return result;
    }
}
