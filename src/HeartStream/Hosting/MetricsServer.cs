using HeartStream.Pipeline.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace HeartStream.Hosting;

/// <summary>
/// A small Kestrel host (<see cref="WebApplication.CreateSlimBuilder()"/>) serving <see cref="HeartStreamEndpoints"/>
/// on the address in <see cref="HttpOptions"/>. With port 0 the OS picks a free port and
/// <see cref="BaseAddress"/> says which.
/// </summary>
public sealed class MetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:9464/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Validates the options, binds and starts serving (metrics of <paramref name="registry"/>, by default HeartStream's).</summary>
    /// <exception cref="OptionsValidationException">The options are invalid (the message lists each problem).</exception>
    public static async Task<MetricsServer> StartAsync(
        HttpOptions options,
        Func<ReadinessStatus> readiness,
        CollectorRegistry? registry = null,
        Action<ILoggingBuilder>? configureLogging = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(readiness);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(HttpOptions.SectionName, typeof(HttpOptions), errors);
        }

        // No args and the app's own folder as content root: this host takes its settings from HttpOptions only.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.ToEndPoint()));

        WebApplication app = builder.Build();
        app.MapHeartStreamEndpoints(readiness, registry);
        return new MetricsServer(app, await KestrelStart.StartAsync(app, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Stops accepting requests and finishes those in flight.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
