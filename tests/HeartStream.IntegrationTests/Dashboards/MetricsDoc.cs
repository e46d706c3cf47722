using System.Text.RegularExpressions;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// The metrics documented in docs/metrics.md: every table row whose first cell is a back-quoted name, with the type
/// from the second cell. A histogram <c>x</c> also documents <c>x_bucket</c>, <c>x_sum</c> and <c>x_count</c>.
/// </summary>
internal static partial class MetricsDoc
{
    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "docs", "metrics.md");

    /// <summary>Documented metric name to its type (counter, gauge, histogram).</summary>
    public static IReadOnlyDictionary<string, string> Metrics()
    {
        var metrics = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(Path))
        {
            Match row = Row().Match(line);
            if (row.Success)
            {
                metrics[row.Groups["name"].Value] = row.Groups["type"].Value.Trim().Split(' ')[0];
            }
        }

        return metrics;
    }

    /// <summary>The documented metric a series name belongs to (itself, or the histogram behind a _bucket/_sum/_count), or null.</summary>
    public static string? DocumentedName(string series, IReadOnlyDictionary<string, string> metrics)
    {
        if (metrics.ContainsKey(series))
        {
            return series;
        }

        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal)
                && metrics.TryGetValue(series[..^suffix.Length], out string? type) && type == "histogram")
            {
                return series[..^suffix.Length];
            }
        }

        return null;
    }

    [GeneratedRegex(@"^\|\s*`(?<name>[a-z_:][a-z0-9_:]*)`\s*\|\s*(?<type>[^|]+)\|")]
    private static partial Regex Row();
}
