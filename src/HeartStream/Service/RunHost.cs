using HeartStream.Hosting;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeartStream.Service;

/// <summary>
/// Builds the Generic Host of `heartstream run`. Configuration, later wins: appsettings.json next to the executable,
/// then HEARTSTREAM_-prefixed environment variables (HEARTSTREAM_Pipeline__CaptureQueueChunks=64), then the command line
/// (given here as configuration keys). Every options class is validated at start-up. ConsoleLifetime turns SIGTERM and
/// Ctrl-C into a graceful stop. A configured Mqtt:Host adds the broker side (<see cref="MqttRunSettings"/>).
/// </summary>
internal static class RunHost
{
    /// <summary>How long a graceful drain may take before the pipeline is aborted.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    public static IHost Build(IReadOnlyDictionary<string, string?> commandLine, Func<IServiceProvider, IDeviceAnalyzerFactory> analyzers)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(analyzers);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("HEARTSTREAM_")
            .AddInMemoryCollection(commandLine);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

        // The host logs a start-up failure (invalid options) with a stack trace; `run` prints one clear line instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });

        IServiceCollection services = builder.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        services.AddHeartStreamHttpOptions(builder.Configuration);
        services.AddOptions<LivePipelineOptions>().Bind(builder.Configuration.GetSection(LivePipelineOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LivePipelineOptions>, LivePipelineOptionsValidator>();
        services.AddOptions<SourcesOptions>().Bind(builder.Configuration.GetSection(SourcesOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SourcesOptions>, SourcesOptionsValidator>();
        var mqtt = MqttRunSettings.From(builder.Configuration);
        services.AddSingleton(mqtt);
        services.PostConfigure<SourcesOptions>(o => o.MqttIngest = mqtt.Enabled);
        services.AddOptions<Web.WebOptions>().Bind(builder.Configuration.GetSection(Web.WebOptions.SectionName));
        services.PostConfigure<LivePipelineOptions>(o => Web.WebViews.EnableWaveform(o, builder.Configuration));
        services.AddOptions<AlertOptions>().Bind(builder.Configuration.GetSection(AlertOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddSingleton(analyzers);
        services.AddOptions<LiveClassificationOptions>().Bind(builder.Configuration.GetSection(LiveClassificationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LiveClassificationOptions>, LiveClassificationOptionsValidator>();
        services.AddSingleton<ILiveClassifierFactory>(CreateClassifiers);
        services.AddSingleton<LivePipelineService>();
        services.AddHostedService(sp => sp.GetRequiredService<LivePipelineService>());
        return builder.Build();
    }

    /// <summary>The configured live classifiers; a model that cannot be loaded is logged and left out (segmentation goes on).</summary>
    private static LiveClassifierFactory CreateClassifiers(IServiceProvider services)
    {
        LiveClassificationOptions options = services.GetRequiredService<IOptions<LiveClassificationOptions>>().Value;
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("HeartStream.Classification");
        string root = string.IsNullOrEmpty(options.ModelsRoot) ? Commands.DefaultPaths.Models : options.ModelsRoot;
        LiveClassifierFactory factory = LiveClassifierFactory.Load(root, options, message => ServiceLog.ClassifierSkipped(logger, message));
        if (factory.Models.Count > 0)
        {
            ServiceLog.ClassifiersLoaded(logger, string.Join(", ", factory.Models.Select(m => m.Identity)), options.IntervalSeconds);
            factory.Watch(new ModelRegistry(root), (accepted, message) => ServiceLog.ModelReload(logger, accepted, message));
        }

        return factory;
    }
}
