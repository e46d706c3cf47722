using System.Net;

namespace HeartStream.Web;

/// <summary>
/// The clinicians' web views (central station, bedside), bound from the "Web" section (HEARTSTREAM_Web__Port etc.).
/// Loopback by default; bound to any other address the service refuses to start unless <see cref="Users"/> is set,
/// and, unless <see cref="RequireTls"/> is false, a certificate too (passwords must not cross a network in clear).
/// </summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>Default port of the web views.</summary>
    public const int DefaultPort = 8088;

    /// <summary>Serve the views (run, demo).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>IP address to bind; loopback unless users are configured.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Who may open the views (HTTP basic authentication against a PBKDF2 hash); empty = nobody is asked.</summary>
    public List<WebUser> Users { get; set; } = [];

    /// <summary>PEM certificate (and <see cref="TlsKeyFile"/>): the views are served over HTTPS.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Off loopback, refuse to start without <see cref="TlsCertFile"/> (default true).</summary>
    public bool RequireTls { get; set; } = true;

    /// <summary>Whether <see cref="BindAddress"/> is a loopback address.</summary>
    public bool IsLoopback => IPAddress.TryParse(BindAddress, out IPAddress? address) && IPAddress.IsLoopback(address);

    /// <summary>Problems, each a sentence naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"{SectionName}:BindAddress must be an IP address such as 127.0.0.1; got '{BindAddress}'.");
            return errors;
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"{SectionName}:Port must be 0..65535; got {Port}.");
        }

        for (int i = 0; i < Users.Count; i++)
        {
            WebUser user = Users[i];
            if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{SectionName}:Users:{i}:Name must be a non-empty name without ':'.");
            }

            if (!WebPassword.IsWellFormed(user.PasswordHash))
            {
                errors.Add($"{SectionName}:Users:{i}:PasswordHash must be a hash made by `heartstream web-password` (pbkdf2-sha256$iterations$salt$hash), never the password itself.");
            }
        }

        if (!IsLoopback)
        {
            if (Users.Count == 0)
            {
                errors.Add($"{SectionName}:BindAddress {BindAddress} is not loopback: configure {SectionName}:Users (a name and a password hash per user, `heartstream web-password`) or bind to 127.0.0.1. The views show patients' alarms and must not be open to the network.");
            }

            if (RequireTls && string.IsNullOrEmpty(TlsCertFile))
            {
                errors.Add($"{SectionName}:BindAddress {BindAddress} is not loopback: configure {SectionName}:TlsCertFile and {SectionName}:TlsKeyFile (passwords must not cross the network in clear), or set {SectionName}:RequireTls=false behind a TLS-terminating proxy.");
            }
        }

        if (string.IsNullOrEmpty(TlsCertFile) != string.IsNullOrEmpty(TlsKeyFile))
        {
            errors.Add($"{SectionName}:TlsCertFile and {SectionName}:TlsKeyFile go together.");
        }

        foreach (string? file in new[] { TlsCertFile, TlsKeyFile })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                errors.Add($"{SectionName}: the file '{file}' does not exist.");
            }
        }

        return errors;
    }
}

/// <summary>One user of the web views.</summary>
public sealed class WebUser
{
    /// <summary>Login name (shown in the acknowledgement audit).</summary>
    public string Name { get; set; } = "";

    /// <summary>PBKDF2 hash from `heartstream web-password`.</summary>
    public string PasswordHash { get; set; } = "";
}
