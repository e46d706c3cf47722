using HeartStream.Capture.Sources;
using HeartStream.Hosting;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Telemetry;
using HeartStream.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeartStream.Service;

/// <summary>
/// The hosted service behind `heartstream run`: starts the HTTP endpoints (readiness = pipeline started), the live
/// pipeline and its sources; on host stop (SIGTERM, Ctrl-C) drains the pipeline gracefully, falling back to abort
/// when the host's shutdown timeout expires. A pipeline failure stops the host with exit code 1. With MQTT configured
/// (<see cref="MqttRunSettings"/>) the pipeline is the one of an <see cref="MqttPipelineService"/>: gateway audio is
/// ingested from the broker, alerts run, every output is published, readiness also needs the broker connected, and
/// a graceful stop publishes the service status "offline". The configured classifiers (Classification section) run on
/// every device and their results reach every sink (alerts included).
/// </summary>
internal sealed class LivePipelineService(
    IOptions<LivePipelineOptions> pipelineOptions,
    IOptions<SourcesOptions> sourcesOptions,
    IOptions<HttpOptions> httpOptions,
    IOptions<AlertOptions> alertOptions,
    IOptions<WebOptions> webOptions,
    MqttRunSettings mqttSettings,
    IDeviceAnalyzerFactory analyzers,
    ILiveClassifierFactory classifiers,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>Readiness condition set once the pipeline runs.</summary>
    public const string ReadinessCondition = "pipeline";

    /// <summary>Readiness condition met while connected to the broker (only when MQTT is configured).</summary>
    public const string BrokerCondition = "broker";

    private readonly ILogger _logger = loggerFactory.CreateLogger<LivePipelineService>();
    private readonly ReadinessGate _gate = mqttSettings.Enabled ? new(ReadinessCondition, BrokerCondition) : new(ReadinessCondition);
    private MqttPipelineService? _mqtt;
    private MetricsServer? _server;
    private WebServer? _web;
    private LivePipeline? _pipeline;

    /// <summary>Exit code the command returns (1 after a pipeline failure).</summary>
    public int ExitCode { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> mqttErrors = mqttSettings.Validate();
        if (mqttErrors.Count > 0)
        {
            throw new OptionsValidationException(MqttClientOptions.SectionName, typeof(MqttClientOptions), mqttErrors);
        }

        WebOptions web = webOptions.Value;
        IReadOnlyList<string> webErrors = web.Enabled ? web.Validate() : [];
        if (webErrors.Count > 0)
        {
            throw new OptionsValidationException(WebOptions.SectionName, typeof(WebOptions), webErrors);
        }

        StationState? station = web.Enabled ? new StationState() : null;

        _server = await MetricsServer.StartAsync(httpOptions.Value, CheckReadiness, cancellationToken: cancellationToken).ConfigureAwait(false);
        ServiceLog.Listening(_logger, _server.BaseAddress);

        SourcesOptions sources = sourcesOptions.Value;
        var console = new ConsoleEventSink(Console.Out, sources.PrintBeats);
        IEventSink[] extra = station is null ? [console] : [console, station];
        if (mqttSettings.Enabled)
        {
            // The MQTT service adds the metrics, MQTT and alert sinks itself; alerts also reach the console (and the web views).
            _mqtt = await MqttPipelineService.StartAsync(
                mqttSettings.Options, mqttSettings.Instance, alertOptions.Value, pipelineOptions.Value, analyzers, extra, ingest: true, loggerFactory, classifiers, cancellationToken).ConfigureAwait(false);
            _pipeline = _mqtt.Pipeline;
            ServiceLog.BrokerConnected(_logger, mqttSettings.Options.Host, mqttSettings.Options.Port, mqttSettings.Instance);
        }
        else
        {
            List<IEventSink> sinks = [new MetricsEventSink(), .. extra];
            _pipeline = new LivePipeline(pipelineOptions.Value, analyzers, sinks, loggerFactory.CreateLogger<LivePipeline>(), classifiers);
            _pipeline.Start();
        }

        if (station is not null)
        {
            _web = await WebViews.StartAsync(web, station, _mqtt, loggerFactory.CreateLogger("HeartStream.Web"), cancellationToken).ConfigureAwait(false);
        }

        foreach (IAudioSource source in CreateSources(sources))
        {
            _pipeline.AddDevice(source);
        }

        ServiceLog.Started(_logger, _pipeline.DevicesSeen);
        _gate.Set(ReadinessCondition, true);
        if (sources.ExitWhenDone)
        {
            _pipeline.CompleteAdding();
        }

        _ = WatchAsync(_pipeline, sources.ExitWhenDone);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _gate.Set(ReadinessCondition, false);
        if (_pipeline is not null)
        {
            ServiceLog.Stopping(_logger);
            try
            {
                if (_mqtt is not null)
                {
                    await _mqtt.StopAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _pipeline.StopAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
            {
                ExitCode = ExitCode == 0 && cancellationToken.IsCancellationRequested ? 1 : ExitCode; // aborted: shutdown timeout
            }
#pragma warning disable CA1031 // The failure was logged by the watcher; shutdown must still release the server.
            catch (Exception)
#pragma warning restore CA1031
            {
                ExitCode = 1;
            }
        }

        if (_web is not null)
        {
            await _web.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_mqtt is not null)
        {
            await _mqtt.DisposeAsync().ConfigureAwait(false);
        }
        else if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync().ConfigureAwait(false);
        }

        if (_web is not null)
        {
            await _web.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

    }

    private ReadinessStatus CheckReadiness()
    {
        if (mqttSettings.Enabled)
        {
            _gate.Set(BrokerCondition, _mqtt?.Client.IsConnected == true);
        }

        return _gate.Check();
    }

    private async Task WatchAsync(LivePipeline pipeline, bool exitWhenDone)
    {
        try
        {
            await pipeline.Completion.ConfigureAwait(false);
            if (exitWhenDone)
            {
                ServiceLog.SourcesEnded(_logger);
                lifetime.StopApplication();
            }
        }
#pragma warning disable CA1031 // Any pipeline failure stops the service with exit code 1.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (ex is not OperationCanceledException)
            {
                ServiceLog.PipelineFailed(_logger, ex);
                ExitCode = 1;
            }

            lifetime.StopApplication();
        }
    }

    private static List<IAudioSource> CreateSources(SourcesOptions options)
    {
        var sources = new List<IAudioSource>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var replay = new WavReplayOptions { Speed = options.Speed, Loop = options.Loop };
        foreach (string file in options.Files)
        {
            string baseId = Path.GetFileNameWithoutExtension(file);
            string id = baseId;
            for (int n = 2; !ids.Add(id); n++)
            {
                id = $"{baseId}-{n}";
            }

            sources.Add(new WavFileSource(file, id, replay));
        }

        if (options.Stdin)
        {
            sources.Add(new RawPcmSource(Console.OpenStandardInput(), options.StdinDevice, options.StdinRate, leaveOpen: false, isLive: options.StdinLive));
        }

        return sources;
    }
}
