using System.Globalization;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Live window classification, bound from the "Classification" configuration section
/// (HEARTSTREAM_Classification__Models=classifier-murmur etc.) and validated at start-up.
/// </summary>
public sealed class LiveClassificationOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Classification";

    /// <summary>
    /// Comma-separated classifier names in the model registry (models/&lt;name&gt;/current); empty turns live
    /// classification off. A model that cannot be loaded is logged and skipped; segmentation runs regardless.
    /// Default: the murmur frame model only. classifier-abnormal 1.0.0 is shipped but opt-in: on normal recordings it
    /// raised 15.5 false abnormal-heart-sound alerts per monitored hour (docs/ALERTS.md), so it is not on by default.
    /// </summary>
    public string Models { get; set; } = "classifier-murmur";

    /// <summary>Stream seconds between two classifications of a device (each classifies the last window, 5.12 s).</summary>
    public double IntervalSeconds { get; set; } = 5.0;

    /// <summary>Trailing span the reported probabilities average over (the mean of the window results in it).</summary>
    public double AverageSeconds { get; set; } = 30.0;

    /// <summary>Model registry folder; empty = the shipped models/ next to the executable.</summary>
    public string ModelsRoot { get; set; } = "";

    /// <summary>The names in <see cref="Models"/>, trimmed, without empties or repeats.</summary>
    public IReadOnlyList<string> ModelNames() =>
        [.. Models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>Problems with these options, each a sentence naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (string name in ModelNames())
        {
            if (name.IndexOfAny(['/', '\\']) >= 0 || name.Contains("..", StringComparison.Ordinal))
            {
                errors.Add($"{SectionName}:Models: '{name}' must be a plain model name such as classifier-murmur.");
            }
        }

        if (!(IntervalSeconds >= 1 && IntervalSeconds <= 60))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:IntervalSeconds must be 1..60; got {IntervalSeconds}."));
        }

        if (!(AverageSeconds >= 0 && AverageSeconds <= 600))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:AverageSeconds must be 0 (latest window only) .. 600; got {AverageSeconds}."));
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        IReadOnlyList<string> errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
