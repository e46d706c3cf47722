using System.Text.Json;
using System.Text.RegularExpressions;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// Finds the committed dashboards and Prometheus files and pulls the PromQL out of them: every panel target's
/// <c>expr</c>, every query variable's <c>label_values(...)</c>, and every rule's <c>expr</c>.
/// </summary>
internal static partial class DashboardFiles
{
    /// <summary>Interval that stands in for Grafana's <c>$__rate_interval</c>, <c>$__interval</c> and <c>$__range</c>.</summary>
    public const string TestInterval = "15s";

    public static string Folder => Path.Combine(RepoPaths.Root, "dashboards");

    public static string PrometheusFolder => Path.Combine(Folder, "prometheus");

    public static string RulesFile => Path.Combine(PrometheusFolder, "heartstream-rules.yml");

    public static IReadOnlyList<string> Dashboards { get; } =
    [
        Path.Combine(Folder, "grafana", "heartstream-fleet.json"),
        Path.Combine(Folder, "grafana", "heartstream-pipeline.json"),
    ];

    /// <summary>Every panel target expression of every dashboard, as written (with Grafana variables).</summary>
    public static IReadOnlyList<DashboardQuery> PanelQueries()
    {
        var queries = new List<DashboardQuery>();
        foreach (string path in Dashboards)
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (JsonElement panel in Panels(document.RootElement))
            {
                if (!panel.TryGetProperty("targets", out JsonElement targets))
                {
                    continue;
                }

                foreach (JsonElement target in targets.EnumerateArray())
                {
                    string expr = target.GetProperty("expr").GetString() ?? "";
                    string refId = target.GetProperty("refId").GetString() ?? "?";
                    queries.Add(new DashboardQuery(Path.GetFileName(path), $"{panel.GetProperty("title").GetString()} [{refId}]", expr));
                }
            }
        }

        return queries;
    }

    /// <summary>
    /// Each query variable's <c>label_values(selector, label)</c> as the equivalent PromQL
    /// <c>count by (label) (selector)</c>, so it can be run like a panel query.
    /// </summary>
    public static IReadOnlyList<DashboardQuery> VariableQueries()
    {
        var queries = new List<DashboardQuery>();
        foreach (string path in Dashboards)
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (JsonElement variable in document.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                if (variable.GetProperty("type").GetString() != "query")
                {
                    continue;
                }

                string definition = variable.GetProperty("definition").GetString() ?? "";
                Match match = LabelValues().Match(definition);
                Assert.True(match.Success, $"{Path.GetFileName(path)}: variable {variable.GetProperty("name")} is not label_values(selector, label): {definition}");
                queries.Add(new DashboardQuery(Path.GetFileName(path), "variable " + variable.GetProperty("name").GetString(),
                    $"count by ({match.Groups["label"].Value}) ({match.Groups["selector"].Value})"));
            }
        }

        return queries;
    }

    /// <summary>
    /// The <c>expr:</c> of every rule in heartstream-rules.yml. There is no YAML parser in the test dependencies, so
    /// this reads single-line <c>expr:</c> entries and checks there is one per <c>- alert:</c>.
    /// </summary>
    public static IReadOnlyList<DashboardQuery> RuleQueries()
    {
        string[] lines = File.ReadAllLines(RulesFile);
        var queries = new List<DashboardQuery>();
        string alert = "?";
        foreach (string line in lines)
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("- alert:", StringComparison.Ordinal))
            {
                alert = trimmed["- alert:".Length..].Trim();
            }
            else if (trimmed.StartsWith("expr:", StringComparison.Ordinal))
            {
                queries.Add(new DashboardQuery("heartstream-rules.yml", alert, trimmed["expr:".Length..].Trim()));
            }
        }

        int alerts = lines.Count(l => l.TrimStart().StartsWith("- alert:", StringComparison.Ordinal));
        Assert.True(alerts == queries.Count, $"heartstream-rules.yml has {alerts} alerts but {queries.Count} single-line expr: entries; keep each expr on one line.");
        return queries;
    }

    /// <summary>
    /// Replaces Grafana's interval macros with <see cref="TestInterval"/> and every other <c>$var</c> / <c>${var}</c> /
    /// <c>${var:format}</c> with the match-all regex <c>.*</c> (what "All" means here).
    /// </summary>
    public static string Instantiate(string expression)
    {
        string intervals = IntervalMacro().Replace(expression, TestInterval);
        return Variable().Replace(intervals, ".*");
    }

    private static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (JsonElement panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out JsonElement nested))
            {
                foreach (JsonElement child in nested.EnumerateArray())
                {
                    yield return child;
                }
            }
        }
    }

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>.+),\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}")]
    private static partial Regex IntervalMacro();

    [GeneratedRegex(@"\$\{[a-zA-Z_][a-zA-Z0-9_]*(:[a-zA-Z]+)?\}|\$[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex Variable();
}
