using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeartStream.Web;

/// <summary>
/// The clinicians' views on a Kestrel host of their own (<see cref="WebOptions"/>): the central station at <c>/</c>
/// (one tile per device, pushed once a second over Server-Sent Events from <c>/api/station</c>), the bedside view at
/// <c>/bedside#device</c> (its stream <c>/api/devices/{id}/stream</c>, four updates a second) and
/// <c>POST /api/alerts/{id}/ack</c>, which acknowledges through the alert engine as an MQTT acknowledgement does and is
/// audited (who, when; event 4001). Static assets are embedded in the executable; nothing is fetched from the internet.
/// With users configured every request needs HTTP basic credentials that match a user's PBKDF2 hash.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    private static readonly TimeSpan StationInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BedsideInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private readonly WebApplication _app;

    private WebServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:8088/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Bytes of event-stream data written to browsers so far (the views' update traffic).</summary>
    public static long BytesStreamed => Interlocked.Read(ref s_bytes);

    private static long s_bytes;
    private static readonly byte[] s_tilesHead = "event: tiles\ndata: "u8.ToArray();
    private static readonly byte[] s_bedsideHead = "event: bedside\ndata: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_keepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Validates the options, binds and starts serving.</summary>
    /// <param name="acknowledge">Acknowledges an alert id for a user; false when no active alert has that id (null: no alert engine runs).</param>
    /// <exception cref="OptionsValidationException">The options are invalid, e.g. bound off loopback without users.</exception>
    public static async Task<WebServer> StartAsync(WebOptions options, StationState station, Func<string, string, bool>? acknowledge, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(station);
        ArgumentNullException.ThrowIfNull(logger);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(WebOptions.SectionName, typeof(WebOptions), errors);
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, listen =>
        {
            if (!string.IsNullOrEmpty(options.TlsCertFile))
            {
                listen.UseHttps(X509Certificate2.CreateFromPemFile(options.TlsCertFile, options.TlsKeyFile));
            }
        }));
        WebApplication app = builder.Build();
        var auth = new BasicAuth(options.Users);
        app.Use(async (context, next) =>
        {
            if (!auth.TryAuthenticate(context.Request.Headers.Authorization, out string user))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"HeartStream\", charset=\"UTF-8\"";
                return;
            }

            context.Items["user"] = user;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/", context => Asset(context, "index.html"));
        app.MapGet("/bedside", context => Asset(context, "bedside.html"));
        app.MapGet("/static/{name}", context => Asset(context, (string)context.Request.RouteValues["name"]!));
        app.MapGet("/api/station", context => StationStreamAsync(context, station));
        app.MapGet("/api/devices/{id}/stream", context => BedsideStreamAsync(context, station, (string)context.Request.RouteValues["id"]!));
        app.MapPost("/api/alerts/{id}/ack", context =>
        {
            string alertId = (string)context.Request.RouteValues["id"]!;
            if (context.Request.Headers["X-HeartStream"] != "ack")
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest; // not from the page (cross-site forms cannot set it)
                return Task.CompletedTask;
            }

            if (acknowledge is null)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // no alert engine runs (run without MQTT)
                return Task.CompletedTask;
            }

            string user = (string)context.Items["user"]!;
            string? device = station.DeviceOfAlert(alertId);
            bool accepted = acknowledge(alertId, user);
            if (accepted)
            {
                WebLog.Acknowledged(logger, alertId, device ?? "?", user, DateTimeOffset.UtcNow);
            }

            context.Response.StatusCode = accepted ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        return new WebServer(app, await Hosting.KestrelStart.StartAsync(app, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Stops accepting requests; open event streams end.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task Asset(HttpContext context, string name)
    {
        byte[]? bytes = Assets.Get(name);
        if (bytes is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StationStreamAsync(HttpContext context, StationState station)
    {
        StartEventStream(context);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        long since = -1; // first: every tile
        long lastWrite = 0;
        using var timer = new PeriodicTimer(StationInterval);
        try
        {
            do
            {
                if (since < 0 || station.Version > since)
                {
                    buffer.ResetWrittenCount();
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        since = station.WriteTiles(json, since);
                    }

                    await WriteEventAsync(context, s_tilesHead, buffer.WrittenMemory).ConfigureAwait(false);
                    lastWrite = Environment.TickCount64;
                }
                else if (Environment.TickCount64 - lastWrite > KeepAlive.TotalMilliseconds)
                {
                    await WriteRawAsync(context, s_keepAlive).ConfigureAwait(false);
                    lastWrite = Environment.TickCount64;
                }
            }
            while (await timer.WaitForNextTickAsync(context.RequestAborted).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // the browser went away, or the server stops
        }
    }

    private static async Task BedsideStreamAsync(HttpContext context, StationState station, string deviceId)
    {
        if (!station.Contains(deviceId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        StartEventStream(context);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        long waveform = 0, beats = 0, detail = 0;
        bool full = true;
        using var timer = new PeriodicTimer(BedsideInterval);
        try
        {
            do
            {
                buffer.ResetWrittenCount();
                using (var json = new Utf8JsonWriter(buffer))
                {
                    if (!station.WriteBedside(json, deviceId, ref waveform, ref beats, ref detail, full))
                    {
                        return;
                    }
                }

                full = false;
                await WriteEventAsync(context, s_bedsideHead, buffer.WrittenMemory).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(context.RequestAborted).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // the browser went away, or the server stops
        }
    }

    private static void StartEventStream(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static async Task WriteEventAsync(HttpContext context, byte[] head, ReadOnlyMemory<byte> json)
    {
        await context.Response.Body.WriteAsync(head, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(s_eventEnd, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        Interlocked.Add(ref s_bytes, head.Length + json.Length + s_eventEnd.Length);
    }

    private static async Task WriteRawAsync(HttpContext context, byte[] bytes)
    {
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        Interlocked.Add(ref s_bytes, bytes.Length);
    }

    /// <summary>The embedded files of Web/wwwroot.</summary>
    private static class Assets
    {
        private static readonly ConcurrentDictionary<string, byte[]?> s_cache = new(StringComparer.Ordinal);

        public static byte[]? Get(string name) => s_cache.GetOrAdd(name, static n =>
        {
            if (n.Contains('/', StringComparison.Ordinal) || n.Contains("..", StringComparison.Ordinal))
            {
                return null;
            }

            using Stream? stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("web/" + n);
            if (stream is null)
            {
                return null;
            }

            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    /// <summary>HTTP basic authentication against the configured hashes; a verified header is remembered (PBKDF2 is slow on purpose).</summary>
    private sealed class BasicAuth(IReadOnlyList<WebUser> users)
    {
        private readonly ConcurrentDictionary<string, string> _verified = new(StringComparer.Ordinal);

        public bool TryAuthenticate(string? header, out string user)
        {
            user = "local";
            if (users.Count == 0)
            {
                return true; // loopback only (WebOptions.Validate)
            }

            if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(header)));
            if (_verified.TryGetValue(key, out string? known))
            {
                user = known;
                return true;
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                return false;
            }

            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            string name = decoded[..colon];
            WebUser? match = users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal));
            if (match is null || !WebPassword.Verify(match.PasswordHash, decoded[(colon + 1)..]))
            {
                return false;
            }

            if (_verified.Count < 1024)
            {
                _verified[key] = name;
            }

            user = name;
            return true;
        }
    }
}

/// <summary>Log events of the web views (4000–4099).</summary>
internal static partial class WebLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Web views on {Address} (central station /, bedside /bedside)")]
    public static partial void Listening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Audit: alert {AlertId} of device {DeviceId} acknowledged in the web view by {User} at {When:O}")]
    public static partial void Acknowledged(ILogger logger, string alertId, string deviceId, string user, DateTimeOffset when);
}
