using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Streaming;
using Microsoft.Extensions.Configuration;

namespace HeartStream.Commands;

/// <summary>
/// Settings of the MQTT commands: appsettings.json (optional, working directory) &lt; HEARTSTREAM_ environment
/// variables (HEARTSTREAM_Mqtt__Host …); command-line options override what they name.
/// </summary>
internal static class ServiceConfiguration
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables("HEARTSTREAM_")
        .Build();

    /// <summary>
    /// The live neural serving `heartstream run` would use (the executable's appsettings.json &lt; HEARTSTREAM_
    /// environment variables, "Pipeline" section; <see cref="LiveAnalyzers.NeuralOptions"/>), so `analyze` in live
    /// context serves the network as the service on this machine does.
    /// </summary>
    public static NeuralStreamingOptions LiveNeuralServing() => LiveAnalyzers.NeuralOptions(LivePipeline());

    /// <summary>The "Pipeline" section as the service on this machine would bind it (appsettings.json &lt; HEARTSTREAM_).</summary>
    public static LivePipelineOptions LivePipeline()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables("HEARTSTREAM_")
            .Build();
        var options = new LivePipelineOptions();
        configuration.GetSection(LivePipelineOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>The "Mqtt" section bound onto <see cref="MqttClientOptions"/>.</summary>
    public static MqttClientOptions Mqtt(IConfiguration configuration)
    {
        var options = new MqttClientOptions();
        configuration.GetSection(MqttClientOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>Parses mqtt://host:port, tcp://host:port or host:port (port 1883 when absent).</summary>
    public static (string Host, int Port) ParseBroker(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        string text = url.Contains("://", StringComparison.Ordinal) ? url : "mqtt://" + url;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("mqtt" or "tcp") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"--broker must look like mqtt://host:port; got '{url}'.");
        }

        return (uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 1883 : uri.Port);
    }

    /// <summary>The sample recordings copied beside the executable at build time from samples/ (null when absent).</summary>
    public static string? FindSamples()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "samples");
        return Directory.Exists(beside) ? beside : null;
    }
}
