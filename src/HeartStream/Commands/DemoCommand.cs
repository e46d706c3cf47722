using System.CommandLine;
using HeartStream.Hosting;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Telemetry;
using HeartStream.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream demo</c>: a private mosquitto on a free loopback port (unless Mqtt:Host is configured), the service
/// (live pipeline with MQTT ingest, MQTT + metrics sinks, alerts, HTTP /metrics), and the gateway simulator playing the
/// shipped samples/ recordings; prints vitals and alerts until Ctrl-C or <c>--seconds</c>, then stops everything.
/// </summary>
/// <remarks>
/// Why an alert appears: the demo applies the profile "adult-100", the adult profile with the classic adult
/// tachycardia limit of 100 bpm (raise above 100, clear below 95) instead of the shipped 120. The CirCor recording
/// 13918_AV is a real child's heart at about 103 bpm — normal for a child — so under this adult limit it raises
/// "tachycardia" after the 10 s onset delay. No recording is altered. See docs/ALERTS.md.
/// </remarks>
internal static class DemoCommand
{
    /// <summary>Name of the demo's alert profile.</summary>
    public const string DemoProfile = "adult-100";

    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Stop after this many seconds (0 = until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var devices = new Option<int>("--devices") { Description = "Simulated devices (default: one per sample recording).", DefaultValueFactory = _ => 0 };
        var data = new Option<DirectoryInfo>("--data") { Description = "Recordings to simulate (default: the repository's samples/)." };
        var segmenter = new Option<string>("--segmenter") { Description = "Live segmenter: neural (batched ONNX; the baseline when it cannot load) or baseline.", DefaultValueFactory = _ => LiveAnalyzers.Neural };
        segmenter.AcceptOnlyFromAmong(LiveAnalyzers.Neural, LiveAnalyzers.Baseline);
        var command = new Command("demo", "Run broker, service and gateway simulator together and show live vitals and alerts.") { seconds, devices, data, segmenter };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(seconds), parse.GetValue(devices), parse.GetValue(data), parse.GetValue(segmenter)!, token));
        return command;
    }

    /// <summary>The demo's alert options: default profile <see cref="DemoProfile"/>.</summary>
    public static AlertOptions CreateAlertOptions()
    {
        AlertProfile profile = AlertProfile.CreateAdult();
        profile.Name = DemoProfile;
        profile.TachycardiaRaiseBpm = 100;
        profile.TachycardiaClearBpm = 95;
        var options = new AlertOptions { DefaultProfile = DemoProfile, AlertIdPrefix = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" };
        options.Profiles[DemoProfile] = profile;
        return options;
    }

    private static async Task<int> RunAsync(double seconds, int deviceCount, DirectoryInfo? data, string segmenter, CancellationToken cancellationToken)
    {
        string? folder = data?.FullName ?? ServiceConfiguration.FindSamples();
        if (folder is null || !Directory.Exists(folder))
        {
            Console.Error.WriteLine($"error: recordings folder {folder ?? "samples/"} does not exist (run from the repository or pass --data)");
            return 2;
        }

        int fileCount = Directory.GetFiles(folder, "*.wav", SearchOption.AllDirectories).Length;
        List<(string, float[], int)> recordings = SimulateCommand.LoadDevices(folder, deviceCount > 0 ? deviceCount : Math.Max(1, fileCount));
        IConfiguration configuration = ServiceConfiguration.Load();
        MqttClientOptions mqtt = ServiceConfiguration.Mqtt(configuration);
        var http = new HttpOptions { Port = 0 };
        configuration.GetSection(HttpOptions.SectionName).Bind(http);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        await using EmbeddedBroker? broker = string.IsNullOrEmpty(configuration["Mqtt:Host"]) ? await EmbeddedBroker.StartAsync() : null;
        if (broker is not null)
        {
            mqtt.Host = broker.Host;
            mqtt.Port = broker.Port;
        }

        var display = new DemoDisplaySink(Console.Out);
        string instance = "demo-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using NeuralAnalyzerFactory? neural = segmenter == LiveAnalyzers.Neural ? LiveAnalyzers.TryLoadNeural(null, Console.Error.WriteLine) : null;
        IDeviceAnalyzerFactory analyzers = neural ?? (IDeviceAnalyzerFactory)new SegmentationAnalyzerFactory(SegmenterParameters.Load(DefaultPaths.BaselineParameters));
        var classification = new LiveClassificationOptions();
        configuration.GetSection(LiveClassificationOptions.SectionName).Bind(classification);
        using LiveClassifierFactory classifiers = LiveClassifierFactory.Load(
            string.IsNullOrEmpty(classification.ModelsRoot) ? DefaultPaths.Models : classification.ModelsRoot, classification, message => Console.Error.WriteLine("warning: " + message));
        var web = new WebOptions();
        configuration.GetSection(WebOptions.SectionName).Bind(web);
        IReadOnlyList<string> webErrors = web.Enabled ? web.Validate() : [];
        if (webErrors.Count > 0)
        {
            Console.Error.WriteLine("error: " + string.Join(" ", webErrors));
            return 2;
        }

        StationState? station = web.Enabled ? new StationState() : null;
        var pipelineOptions = new LivePipelineOptions { WaveformPointsPerSecond = web.Enabled ? WebViews.WaveformPointsPerSecond : 0 };
        await using MqttPipelineService service = await MqttPipelineService.StartAsync(
            mqtt, instance, CreateAlertOptions(), pipelineOptions, analyzers, station is null ? [display] : [display, station], ingest: true, classifiers: classifiers, cancellationToken: cancellationToken);
        await using MetricsServer metrics = await MetricsServer.StartAsync(http, () => service.Client.IsConnected ? ReadinessStatus.Ready : ReadinessStatus.NotReady("waiting for: broker"), cancellationToken: cancellationToken);
        using ILoggerFactory webLoggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        await using WebServer? webServer = station is null ? null : await WebViews.StartAsync(web, station, service, webLoggers.CreateLogger("HeartStream.Web"), cancellationToken);

        var simOptions = new MqttClientOptions { Host = mqtt.Host, Port = mqtt.Port, Username = mqtt.Username, Password = mqtt.Password, TlsCaFile = mqtt.TlsCaFile, TlsCertFile = mqtt.TlsCertFile, TlsKeyFile = mqtt.TlsKeyFile, RequireTls = mqtt.RequireTls, ProtocolVersion = mqtt.ProtocolVersion };
        await using var simClient = new MqttConnection(simOptions);
        await simClient.ConnectAsync(cancellationToken);
        var simulator = new GatewaySimulator(simClient, recordings, shards: mqtt.Shards);

        Console.WriteLine($"HeartStream demo: broker {mqtt.Host}:{mqtt.Port}{(broker is null ? " (configured)" : " (in-process broker)")}, metrics {metrics.BaseAddress}metrics, {recordings.Count} simulated device(s) from {folder}");
        if (webServer is not null)
        {
            Console.WriteLine($"web views: central station {webServer.BaseAddress}, bedside {webServer.BaseAddress}bedside#<device>");
        }

        Console.WriteLine($"segmenter: {neural?.ModelName + " (neural, batched ONNX)" ?? "baseline (logistic)"}");
        Console.WriteLine($"alert profile '{DemoProfile}': tachycardia above 100 bpm (the child recording circor/13918_AV at ~103 bpm alerts under it). Ctrl-C stops.");
        if (seconds > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(seconds)); // --seconds of streaming, counted once everything is up
        }

        Task simulating = simulator.RunAsync(stop.Token);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
                Console.WriteLine($"-- vitals ({service.Pipeline.ActiveDevices} devices, {service.Alerts.RaisedCount} alerts raised)");
                display.PrintVitals();
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or --seconds
        }

        await simulating;
        Console.WriteLine("stopping…");
        await service.StopAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        Console.WriteLine($"alerts raised {service.Alerts.RaisedCount}, alert messages published {service.Sink.AlertsPublished}, acked by the broker {service.Sink.AlertsAcked}; frames published {simulator.FramesPublished}, rejected {service.Router?.RejectedFrames ?? 0}");
        return 0;
    }
}
