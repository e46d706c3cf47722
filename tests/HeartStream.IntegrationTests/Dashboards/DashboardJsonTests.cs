using System.Text.Json;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// The shape Grafana needs to import the dashboards anywhere: a datasource variable that every panel and target
/// uses (no hard-coded datasource uid), an instance variable every query filters by, unique ids and a tidy grid.
/// </summary>
public sealed class DashboardJsonTests
{
    public static TheoryData<string> Dashboards => [.. DashboardFiles.Dashboards.Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_Variables_DatasourceAndInstance(string file)
    {
        using JsonDocument document = Load(file);
        JsonElement root = document.RootElement;
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 39, "schemaVersion must be 39 or later");
        Assert.StartsWith("heartstream-", root.GetProperty("uid").GetString(), StringComparison.Ordinal);
        Dictionary<string, JsonElement> variables = root.GetProperty("templating").GetProperty("list").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v);
        Assert.Equal("datasource", variables["datasource"].GetProperty("type").GetString());
        Assert.Equal("prometheus", variables["datasource"].GetProperty("query").GetString());
        Assert.Equal("query", variables["instance"].GetProperty("type").GetString());
        Assert.Contains("instance)", variables["instance"].GetProperty("definition").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_Panels_UseDatasourceVariableAndInstanceFilter(string file)
    {
        using JsonDocument document = Load(file);
        var ids = new HashSet<int>();
        var problems = new List<string>();
        foreach (JsonElement panel in document.RootElement.GetProperty("panels").EnumerateArray())
        {
            string title = panel.GetProperty("title").GetString() ?? "?";
            if (!ids.Add(panel.GetProperty("id").GetInt32()))
            {
                problems.Add($"{title}: duplicate id");
            }

            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }

            CheckDatasource(panel, title, problems);
            JsonElement[] targets = panel.TryGetProperty("targets", out JsonElement t) ? [.. t.EnumerateArray()] : [];
            if (targets.Length == 0)
            {
                problems.Add($"{title}: no queries");
            }

            foreach (JsonElement target in targets)
            {
                CheckDatasource(target, title, problems);
                string expr = target.GetProperty("expr").GetString() ?? "";
                if (!expr.Contains("$instance", StringComparison.Ordinal))
                {
                    problems.Add($"{title}: query ignores the instance variable: {expr}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_GridPositions_InsideGridAndNotOverlapping(string file)
    {
        using JsonDocument document = Load(file);
        var placed = new List<(string Title, int X, int Y, int W, int H)>();
        foreach (JsonElement panel in document.RootElement.GetProperty("panels").EnumerateArray())
        {
            JsonElement grid = panel.GetProperty("gridPos");
            (string, int, int, int, int) box = (panel.GetProperty("title").GetString() ?? "?", grid.GetProperty("x").GetInt32(),
                grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            Assert.True(box.Item2 >= 0 && box.Item2 + box.Item4 <= 24 && box.Item5 > 0, $"{box.Item1} lies outside the 24-column grid");
            foreach ((string title, int x, int y, int w, int h) in placed)
            {
                bool overlap = box.Item2 < x + w && x < box.Item2 + box.Item4 && box.Item3 < y + h && y < box.Item3 + box.Item5;
                Assert.False(overlap, $"{box.Item1} overlaps {title}");
            }

            placed.Add(box);
        }
    }

    private static void CheckDatasource(JsonElement element, string title, List<string> problems)
    {
        string? uid = element.TryGetProperty("datasource", out JsonElement ds) && ds.TryGetProperty("uid", out JsonElement u) ? u.GetString() : null;
        if (uid != "${datasource}")
        {
            problems.Add($"{title}: datasource uid is '{uid}', expected '${{datasource}}'");
        }
    }

    private static JsonDocument Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(DashboardFiles.Folder, "grafana", file)));
}
