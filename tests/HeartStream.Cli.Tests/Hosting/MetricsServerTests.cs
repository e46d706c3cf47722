using System.Net;
using System.Text.Json;
using HeartStream.Hosting;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Options;
using Prometheus;

namespace HeartStream.Cli.Tests.Hosting;

public sealed class MetricsServerTests
{
    [Fact]
    public async Task StartAsync_PortZero_ServesMetricsWithPrometheusContentType()
    {
        CollectorRegistry registry = Metrics.NewCustomRegistry();
        Metrics.WithCustomRegistry(registry).CreateCounter("test_server_hits_total", "Hits.").Inc(3);
        await using MetricsServer server = await MetricsServer.StartAsync(new HttpOptions { Port = 0 }, () => ReadinessStatus.Ready, registry);
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        using HttpResponseMessage response = await client.GetAsync(new Uri("metrics", UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Contains("test_server_hits_total 3\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("heartstream_", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_DefaultRegistry_ServesHeartStreamAndProcessMetrics()
    {
        HeartStreamMetrics.SetBrokerConnected(true);
        await using MetricsServer server = await MetricsServer.StartAsync(new HttpOptions { Port = 0 }, () => ReadinessStatus.Ready);
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        string body = await client.GetStringAsync(new Uri("metrics", UriKind.Relative));

        Assert.Contains("\nheartstream_mqtt_broker_connected 1\n", body, StringComparison.Ordinal);
        Assert.Contains("\nprocess_cpu_seconds_total ", body, StringComparison.Ordinal);
        Assert.Contains("\ndotnet_gc_collections_total{generation=\"0\"} ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_GateNotMetThenMet_Returns503WithReasonThen200()
    {
        var gate = new ReadinessGate("models", "broker");
        await using MetricsServer server = await MetricsServer.StartAsync(new HttpOptions { Port = 0 }, gate.Check);
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        gate.Set("models", true);
        (HttpStatusCode notReadyCode, JsonElement notReady) = await GetJsonAsync(client, "readyz");
        gate.Set("broker", true);
        (HttpStatusCode readyCode, JsonElement ready) = await GetJsonAsync(client, "readyz");
        using HttpResponseMessage health = await client.GetAsync(new Uri("healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReadyCode);
        Assert.False(notReady.GetProperty("ready").GetBoolean());
        Assert.Equal("waiting for: broker", notReady.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, readyCode);
        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Readyz_CheckThrows_Returns503NamingTheFailure()
    {
        await using MetricsServer server = await MetricsServer.StartAsync(
            new HttpOptions { Port = 0 }, () => throw new InvalidOperationException("model store offline"));
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        (HttpStatusCode code, JsonElement json) = await GetJsonAsync(client, "readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        Assert.Contains("model store offline", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ThrowsListingEachProblem()
    {

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            MetricsServer.StartAsync(new HttpOptions { BindAddress = "not-an-ip", Port = 70000 }, () => ReadinessStatus.Ready));

        Assert.Equal(2, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.Contains("Http:BindAddress", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Http:Port", StringComparison.Ordinal) && f.Contains("70000", StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Code, JsonElement Json)> GetJsonAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }
}
