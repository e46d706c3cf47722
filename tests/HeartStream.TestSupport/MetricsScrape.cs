using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Prometheus;

namespace HeartStream.TestSupport;

/// <summary>
/// Reads metrics as a scraper would (prometheus-net's text 0.0.4 exposition of a registry, usually
/// <c>HeartStreamMetrics.Registry</c>). That registry lives as long as the test process, so counters carry what earlier
/// tests recorded: compare <see cref="Value(CollectorRegistry, string, string)"/> before and after, not absolute counts.
/// </summary>
public static class MetricsScrape
{
    /// <summary>The whole exposition text.</summary>
    public static string Text(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The value of one series, e.g. <c>Value("heartstream_alerts_raised_total", "type=\"x\",priority=\"high\"")</c>; 0 if absent.</summary>
    public static double Value(CollectorRegistry registry, string name, string labels = "") => Value(Text(registry), name, labels);

    /// <summary>The value of one series in <paramref name="text"/>; 0 if absent.</summary>
    public static double Value(string text, string name, string labels)
    {
        string series = labels.Length == 0 ? name : $"{name}{{{labels}}}";
        Match match = Regex.Match(text, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
