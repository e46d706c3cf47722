using System.Text.RegularExpressions;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>dashboards/prometheus/ checked by Debian's promtool: rule and config syntax, and the alert unit tests.</summary>
public sealed partial class PromToolTests
{
    private const string PromTool = "/usr/bin/promtool";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CheckRules_HeartStreamRules_Succeeds()
    {
        (int code, string output) = await ToolProcess.RunAsync(PromTool, ["check", "rules", DashboardFiles.RulesFile], DashboardFiles.PrometheusFolder, Guard);

        Assert.True(code == 0, $"promtool check rules failed ({code}):\n{output}");
        Assert.Contains($"SUCCESS: {DashboardFiles.RuleQueries().Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_CopyWithAbsoluteRulePath_Succeeds()
    {
        string original = await File.ReadAllTextAsync(Path.Combine(DashboardFiles.PrometheusFolder, "prometheus.yml"));
        Assert.Contains("job_name: heartstream", original, StringComparison.Ordinal);
        Assert.Contains(":9464'", original, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+scrape_interval: 5s", original);
        string directory = Directory.CreateTempSubdirectory("heartstream-promtool-").FullName;
        try
        {
            // The copy lives elsewhere, so its relative rule_files entry is made absolute.
            string copy = original.Replace("  - heartstream-rules.yml", "  - " + DashboardFiles.RulesFile, StringComparison.Ordinal);
            Assert.NotEqual(original, copy);
            string configPath = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(configPath, copy);

            (int code, string output) = await ToolProcess.RunAsync(PromTool, ["check", "config", configPath], directory, Guard);

            Assert.True(code == 0, $"promtool check config failed ({code}):\n{output}");
            Assert.Contains("SUCCESS: 1 rule files found", output, StringComparison.Ordinal);
            Assert.Contains($"SUCCESS: {DashboardFiles.RuleQueries().Count} rules found", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TestRules_UnitTestFile_EveryAlertTestedAndPasses()
    {
        string tests = await File.ReadAllTextAsync(Path.Combine(DashboardFiles.PrometheusFolder, "heartstream-rules.test.yml"));
        foreach (DashboardQuery rule in DashboardFiles.RuleQueries())
        {
            Assert.True(tests.Contains("alertname: " + rule.Title, StringComparison.Ordinal), $"heartstream-rules.test.yml has no test for {rule.Title}");
        }

        (int code, string output) = await ToolProcess.RunAsync(PromTool, ["test", "rules", "heartstream-rules.test.yml"], DashboardFiles.PrometheusFolder, Guard);

        Assert.True(code == 0, $"promtool test rules failed ({code}):\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRules_RulesWithLongerForDurations_EveryAlertTestFails()
    {
        // Proves the unit tests pin each rule: with every `for:` stretched to 30m no alert fires in time.
        string directory = Directory.CreateTempSubdirectory("heartstream-promtool-").FullName;
        try
        {
            string rules = ForDuration().Replace(await File.ReadAllTextAsync(DashboardFiles.RulesFile), "for: 30m");
            await File.WriteAllTextAsync(Path.Combine(directory, "heartstream-rules.yml"), rules);
            File.Copy(Path.Combine(DashboardFiles.PrometheusFolder, "heartstream-rules.test.yml"), Path.Combine(directory, "heartstream-rules.test.yml"));

            (int code, string output) = await ToolProcess.RunAsync(PromTool, ["test", "rules", "heartstream-rules.test.yml"], directory, Guard);

            Assert.NotEqual(0, code);
            foreach (DashboardQuery rule in DashboardFiles.RuleQueries())
            {
                Assert.True(output.Contains($"alertname: {rule.Title}, time:", StringComparison.Ordinal), $"no failing test for {rule.Title}:\n{output}");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"for: \d+m")]
    private static partial Regex ForDuration();
}
