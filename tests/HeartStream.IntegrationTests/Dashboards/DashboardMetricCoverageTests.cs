using System.Text.RegularExpressions;
using HeartStream.Pipeline.Telemetry;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// The dashboards, the alert rules and docs/metrics.md agree: every metric a query uses is documented, and every
/// documented metric is shown or alerted on somewhere (exceptions are listed here, with the reason).
/// </summary>
public sealed class DashboardMetricCoverageTests
{
    /// <summary>Metrics queries may use that docs/metrics.md does not list: Prometheus makes them, not HeartStream.</summary>
    private static readonly Dictionary<string, string> s_undocumentedAllowed = new(StringComparer.Ordinal)
    {
        ["up"] = "synthesised by Prometheus for every scrape target",
    };

    /// <summary>Documented metrics that no panel or rule needs to use. Empty: every metric is on a dashboard.</summary>
    private static readonly Dictionary<string, string> s_unusedAllowed = new(StringComparer.Ordinal);

    [Fact]
    public void DashboardsAndRules_EveryMetricUsed_IsDocumented()
    {
        IReadOnlyDictionary<string, string> documented = MetricsDoc.Metrics();
        var undocumented = new List<string>();
        foreach (DashboardQuery query in AllQueries())
        {
            IReadOnlySet<string> names = PromQlMetricNames.Extract(query.Expression);
            Assert.True(names.Count > 0, $"no metric name found in {query}");
            undocumented.AddRange(names
                .Where(n => MetricsDoc.DocumentedName(n, documented) is null && !s_undocumentedAllowed.ContainsKey(n))
                .Select(n => $"{n} in {query}"));
        }

        Assert.True(undocumented.Count == 0, "metrics used but not in docs/metrics.md:\n" + string.Join('\n', undocumented));
    }

    [Fact]
    public void MetricsDoc_EveryMetric_IsUsedByAPanelOrRule()
    {
        IReadOnlyDictionary<string, string> documented = MetricsDoc.Metrics();
        Assert.True(documented.Count >= 20, $"expected at least 20 metrics in docs/metrics.md tables, parsed {documented.Count}");
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (DashboardQuery query in AllQueries())
        {
            foreach (string name in PromQlMetricNames.Extract(query.Expression))
            {
                if (MetricsDoc.DocumentedName(name, documented) is string doc)
                {
                    used.Add(doc);
                }
            }
        }

        string[] unused = [.. documented.Keys.Where(m => !used.Contains(m) && !s_unusedAllowed.ContainsKey(m)).Order(StringComparer.Ordinal)];
        Assert.True(unused.Length == 0, "documented metrics no dashboard panel or alert rule uses:\n" + string.Join('\n', unused));
    }

    [Fact]
    public void MetricsDoc_EveryHeartStreamMetric_IsDocumentedWithItsType()
    {
        IReadOnlyDictionary<string, string> documented = MetricsDoc.Metrics();
        string exposition = MetricsScrape.Text(HeartStreamMetrics.Registry);
        (string Name, string Type)[] exported = [.. Regex.Matches(exposition, "^# TYPE (\\S+) (\\S+)$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
        Assert.True(exported.Length >= 20, $"expected at least 20 metric families in HeartStreamMetrics.Registry, found {exported.Length}");
        foreach ((string name, string type) in exported)
        {
            Assert.True(documented.TryGetValue(name, out string? documentedType), $"{name} is exported but not in docs/metrics.md");
            Assert.Equal(type, documentedType);
        }
    }

    [Fact]
    public void Extract_ExpressionWithFunctionsLabelsAndGrouping_ReturnsOnlyMetricNames()
    {
        const string expression = "histogram_quantile(0.99, sum by (instance, le) (rate(a_seconds_bucket{job=\"x\", le!=\"1e3\"}[5m]))) > 2.5e0 "
            + "and on (instance) b_connected offset 1m or sum without (device) (c_total) / time() unless bool d:recorded";

        IReadOnlySet<string> names = PromQlMetricNames.Extract(expression);

        Assert.Equal(["a_seconds_bucket", "b_connected", "c_total", "d:recorded"], names.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<DashboardQuery> AllQueries() =>
        [.. DashboardFiles.PanelQueries(), .. DashboardFiles.VariableQueries(), .. DashboardFiles.RuleQueries()];
}
