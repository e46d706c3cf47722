using System.Net;

namespace HeartStream.Hosting;

/// <summary>
/// Where the HTTP endpoints (/metrics, /healthz, /readyz) listen; bound from the "Http" section
/// (HEARTSTREAM_Http__Port etc.) and validated at start-up by <see cref="HttpOptionsValidator"/>.
/// Loopback by default: the endpoints are for a local Prometheus or a sidecar, not the internet.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Http";

    /// <summary>Default port (the port OpenTelemetry's Prometheus exporter uses, so dashboards expect it).</summary>
    public const int DefaultPort = 9464;

    /// <summary>
    /// Optional full listen URL, e.g. <c>http://127.0.0.1:9464</c>; when set it wins over
    /// <see cref="BindAddress"/> and <see cref="Port"/>. The host must be an IP address.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>IP address to bind, 127.0.0.1 by default.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="MetricsServer.BaseAddress"/> for the one chosen).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Problems with these options, each a sentence naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(Url))
        {
            if (!Uri.TryCreate(Url, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                errors.Add($"{SectionName}:Url must be an absolute http:// URL such as http://127.0.0.1:9464; got '{Url}'.");
            }
            else
            {
                if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
                {
                    errors.Add($"{SectionName}:Url host must be an IP address (e.g. 127.0.0.1 or [::1]); got '{uri.Host}'.");
                }

                if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
                {
                    errors.Add($"{SectionName}:Url must not have a path or query; got '{Url}'.");
                }
            }
        }
        else
        {
            if (!IPAddress.TryParse(BindAddress, out _))
            {
                errors.Add($"{SectionName}:BindAddress must be an IP address such as 127.0.0.1; got '{BindAddress}'.");
            }

            if (Port is < 0 or > 65535)
            {
                errors.Add($"{SectionName}:Port must be between 0 (pick a free port) and 65535; got {Port}.");
            }
        }

        return errors;
    }

    /// <summary>The endpoint to listen on; call only after <see cref="Validate"/> found no errors.</summary>
    public IPEndPoint ToEndPoint()
    {
        if (!string.IsNullOrWhiteSpace(Url))
        {
            var uri = new Uri(Url, UriKind.Absolute);
            return new IPEndPoint(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
        }

        return new IPEndPoint(IPAddress.Parse(BindAddress), Port);
    }
}
