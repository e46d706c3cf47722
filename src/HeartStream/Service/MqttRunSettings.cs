using System.Globalization;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Protocol;
using Microsoft.Extensions.Configuration;

namespace HeartStream.Service;

/// <summary>
/// The MQTT side of `heartstream run`, decided once from configuration: enabled only when <c>Mqtt:Host</c> is set
/// (appsettings, HEARTSTREAM_Mqtt__Host or --mqtt-host), so that without it `run` behaves exactly as before.
/// The instance id (client id, service-status topic level) is <c>Mqtt:ClientId</c> or heartstream-{machine}-{pid}.
/// </summary>
internal sealed class MqttRunSettings
{
    private MqttRunSettings(bool enabled, MqttClientOptions options, string instance)
    {
        Enabled = enabled;
        Options = options;
        Instance = instance;
    }

    /// <summary>True when a broker host is configured: connect, ingest gateway audio, run alerts, publish.</summary>
    public bool Enabled { get; }

    /// <summary>The bound "Mqtt" section.</summary>
    public MqttClientOptions Options { get; }

    /// <summary>The service instance id.</summary>
    public string Instance { get; }

    public static MqttRunSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(MqttClientOptions.SectionName);
        var options = new MqttClientOptions();
        section.Bind(options);
        string instance = string.IsNullOrWhiteSpace(options.ClientId)
            ? string.Create(CultureInfo.InvariantCulture, $"heartstream-{Environment.MachineName}-{Environment.ProcessId}")
            : options.ClientId;
        return new MqttRunSettings(!string.IsNullOrWhiteSpace(section["Host"]), options, instance);
    }

    /// <summary>Problems with the settings, each a sentence naming the setting; empty when disabled or valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        if (!Enabled)
        {
            return [];
        }

        var errors = new List<string>();
        try
        {
            Options.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"{MqttClientOptions.SectionName}: {e.Message}");
        }

        try
        {
            _ = MqttTopics.ServiceStatus(Instance);
        }
        catch (ArgumentException e)
        {
            errors.Add($"{MqttClientOptions.SectionName}:ClientId '{Instance}' is not usable as a topic level: {e.Message}");
        }

        return errors;
    }
}
