using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeartStream.Hosting;
using HeartStream.Pipeline.Telemetry;
using Xunit.Abstractions;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// Every dashboard query against a real Prometheus (Debian's 2.42) scraping the real <see cref="MetricsServer"/>
/// every second. The traffic is SYNTHETIC (<see cref="SyntheticTraffic"/>): every instrument is driven by a loop,
/// not by the pipeline analysing recordings. Each panel and variable query must parse and return data; the alert
/// rules are loaded too and must evaluate without error. Waits are bounded; Prometheus is killed in all cases.
/// </summary>
public sealed class DashboardQueryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task PanelQueries_PrometheusScrapingSyntheticTraffic_AllSucceedWithData()
    {
        await using MetricsServer server = await MetricsServer.StartAsync(new HttpOptions { Port = 0 }, () => ReadinessStatus.Ready);
        await using var traffic = new SyntheticTraffic();
        string config = string.Create(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Path.GetFileName(DashboardFiles.RulesFile)}
            scrape_configs:
              - job_name: heartstream
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: ['127.0.0.1:{server.BaseAddress.Port}']
            """);
        using PrometheusRunner prometheus = PrometheusRunner.Start(config, [DashboardFiles.RulesFile]);
        List<DashboardQuery> queries = [.. DashboardFiles.PanelQueries(), .. DashboardFiles.VariableQueries()];
        Assert.True(queries.Count >= 30, $"expected the dashboards to hold at least 30 queries, found {queries.Count}");
        var clock = Stopwatch.StartNew();

        Dictionary<DashboardQuery, string> missing = await WaitForDataAsync(prometheus, queries, clock);
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {queries.Count} dashboard queries returned no data within {Deadline.TotalSeconds} s:\n"
            + string.Join('\n', missing.Select(m => $"- {m.Key}\n  as run: {DashboardFiles.Instantiate(m.Key.Expression)}\n  last answer: {m.Value}"))
            + "\nPrometheus log:\n" + string.Join('\n', prometheus.Log));

        output.WriteLine($"all {queries.Count} dashboard queries returned data after {clock.Elapsed.TotalSeconds:F1} s (synthetic traffic, 1 s scrapes)");
        string rules = await WaitForRulesEvaluatedAsync(prometheus, clock);
        Assert.True(rules.Length == 0, $"alert rules did not all evaluate cleanly within {Deadline.TotalSeconds} s:\n{rules}");
        output.WriteLine($"all {DashboardFiles.RuleQueries().Count} alert rules evaluated cleanly after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.DoesNotContain(prometheus.Log, line => line.Contains("level=error", StringComparison.Ordinal));
    }

    /// <summary>Runs the queries until each has returned data; a query Prometheus rejects fails at once.</summary>
    private static async Task<Dictionary<DashboardQuery, string>> WaitForDataAsync(PrometheusRunner prometheus, List<DashboardQuery> queries, Stopwatch clock)
    {
        var missing = queries.ToDictionary(q => q, _ => "not run yet");
        while (missing.Count > 0 && clock.Elapsed < Deadline)
        {
            foreach (DashboardQuery query in missing.Keys.ToList())
            {
                (string status, int results, string body) = await prometheus.QueryAsync(DashboardFiles.Instantiate(query.Expression));
                Assert.False(status == "error", $"Prometheus rejected {query}\n  as run: {DashboardFiles.Instantiate(query.Expression)}\n  answer: {body}");
                if (status == "success" && results > 0)
                {
                    missing.Remove(query);
                }
                else
                {
                    missing[query] = body;
                }
            }

            if (missing.Count > 0)
            {
                await Task.Delay(500);
            }
        }

        return missing;
    }

    /// <summary>Polls /api/v1/rules until every rule has been evaluated with health "ok"; returns what is still wrong.</summary>
    private static async Task<string> WaitForRulesEvaluatedAsync(PrometheusRunner prometheus, Stopwatch clock)
    {
        int expected = DashboardFiles.RuleQueries().Count;
        string problems = "not checked yet";
        while (clock.Elapsed < Deadline)
        {
            using JsonDocument document = await prometheus.GetJsonAsync("api/v1/rules");
            var lines = new List<string>();
            int seen = 0;
            foreach (JsonElement group in document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray())
            {
                foreach (JsonElement rule in group.GetProperty("rules").EnumerateArray())
                {
                    seen++;
                    string health = rule.GetProperty("health").GetString() ?? "?";
                    if (health != "ok")
                    {
                        string error = rule.TryGetProperty("lastError", out JsonElement e) ? e.GetString() ?? "" : "";
                        lines.Add($"{rule.GetProperty("name").GetString()}: health {health} {error}");
                    }
                }
            }

            if (seen != expected)
            {
                lines.Add($"Prometheus loaded {seen} rules, the rule file has {expected}");
            }

            problems = string.Join('\n', lines);
            if (problems.Length == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        return problems;
    }
}
