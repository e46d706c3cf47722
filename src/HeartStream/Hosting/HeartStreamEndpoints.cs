using System.Buffers;
using System.Text.Json;
using HeartStream.Pipeline.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace HeartStream.Hosting;

/// <summary>
/// The service's HTTP surface: <c>/metrics</c> (prometheus-net's endpoint over <see cref="HeartStreamMetrics.Registry"/>:
/// text 0.0.4, or OpenMetrics when the scraper asks for it), <c>/healthz</c> (liveness: 200 while the
/// process runs) and <c>/readyz</c> (200 when the readiness callback says ready, else 503 with a JSON reason).
/// Usable on any <see cref="WebApplication"/>; <see cref="MetricsServer"/> is the ready-made host.
/// </summary>
public static class HeartStreamEndpoints
{
    /// <summary>Maps the three endpoints; <paramref name="registry"/> defaults to <see cref="HeartStreamMetrics.Registry"/>.</summary>
    public static IEndpointRouteBuilder MapHeartStreamEndpoints(
        this IEndpointRouteBuilder endpoints, Func<ReadinessStatus> readiness, CollectorRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(readiness);

        endpoints.MapMetrics("/metrics", registry ?? HeartStreamMetrics.Registry);

        endpoints.MapGet("/healthz", context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("ok\n", context.RequestAborted);
        });

        endpoints.MapGet("/readyz", context =>
        {
            ReadinessStatus status;
            try
            {
                status = readiness();
            }
#pragma warning disable CA1031 // Any failure of the check means "not ready"; it must not become a 500.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                status = ReadinessStatus.NotReady($"readiness check failed: {ex.Message}");
            }

            context.Response.StatusCode = status.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            var buffer = new ArrayBufferWriter<byte>(128);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteBoolean("ready", status.IsReady);
                json.WriteString("reason", status.Reason);
                json.WriteEndObject();
            }

            return context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
        });

        return endpoints;
    }
}
