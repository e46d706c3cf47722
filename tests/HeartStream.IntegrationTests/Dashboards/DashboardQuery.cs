namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>One PromQL expression found in a dashboard (a panel target or a template variable) or in a rule file.</summary>
internal sealed record DashboardQuery(string Source, string Title, string Expression)
{
    public override string ToString() => $"{Source} / {Title}: {Expression}";
}
