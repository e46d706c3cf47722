using System.CommandLine;
using System.Globalization;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Service;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream run --files samples/*/*.wav [--speed 1] [--loop]</c> or <c>--stdin --device ID --rate R</c>: the live
/// service. Devices stream through the live pipeline; events go to the console and to /metrics; SIGTERM or Ctrl-C
/// drains and exits 0. With Mqtt:Host (--mqtt-host) it also connects to that broker: gateway audio is ingested,
/// alerts run and beats, vitals, statuses and alerts are published (--exit-when-done then waits for the local sources
/// only and takes no gateway devices). Options given here override HEARTSTREAM_ environment variables and appsettings.json.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var files = new Option<string[]>("--files") { Description = "WAV files to replay, one device each.", AllowMultipleArgumentsPerToken = true };
        var speed = new Option<double?>("--speed") { Description = "Replay speed: 1 = real time, N = N× faster, 0 = as fast as possible." };
        var loop = new Option<bool>("--loop") { Description = "Replay the files in a loop." };
        var stdin = new Option<bool>("--stdin") { Description = "Read raw S16_LE mono PCM from standard input." };
        var device = new Option<string?>("--device") { Description = "Device id of the stdin stream." };
        var rate = new Option<int?>("--rate") { Description = "Sample rate of the stdin stream in Hz." };
        var port = new Option<int?>("--http-port") { Description = "Port of /metrics, /healthz, /readyz (0 = any free port)." };
        var stdinWait = new Option<bool>("--stdin-wait") { Description = "Stdin is a pipe faster than real time (sox from a file): wait for analysis instead of dropping." };
        var exitWhenDone = new Option<bool>("--exit-when-done") { Description = "Stop once every source has ended." };
        var beats = new Option<bool>("--print-beats") { Description = "Print every detected S1/S2." };
        var parameters = new Option<string?>("--params") { Description = "Baseline segmenter parameters JSON (default: the shipped baseline); implies --segmenter baseline." };
        var segmenter = new Option<string?>("--segmenter") { Description = "Live segmenter: neural (default; batched ONNX, falls back to the baseline when the model cannot load) or baseline." };
        var classifiers = new Option<string?>("--classifiers") { Description = "Live classifier models, comma-separated (Classification:Models; default classifier-murmur; classifier-abnormal is opt-in; \"\" = none)." };
        var mqttHost = new Option<string?>("--mqtt-host") { Description = "MQTT broker host (Mqtt:Host): ingest gateway audio, run alerts and publish every output there." };
        var mqttPort = new Option<int?>("--mqtt-port") { Description = "MQTT broker port (Mqtt:Port, default 1883)." };
        var command = new Command("run", "Run the live service over replayed WAV files, raw PCM from stdin and/or gateway audio from an MQTT broker.")
        {
            files, speed, loop, stdin, device, rate, stdinWait, port, exitWhenDone, beats, parameters, segmenter, classifiers, mqttHost, mqttPort,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            string[] fileList = ExpandGlobs(parse.GetValue(files) ?? []);
            for (int i = 0; i < fileList.Length; i++)
            {
                config[$"{SourcesOptions.SectionName}:Files:{i}"] = fileList[i];
            }

            Set(config, "Sources:Speed", parse.GetValue(speed));
            SetFlag(config, "Sources:Loop", parse.GetValue(loop));
            SetFlag(config, "Sources:Stdin", parse.GetValue(stdin));
            Set(config, "Sources:StdinDevice", parse.GetValue(device));
            Set(config, "Sources:StdinRate", parse.GetValue(rate));
            if (parse.GetValue(stdinWait))
            {
                config["Sources:StdinLive"] = "false";
            }

            SetFlag(config, "Sources:ExitWhenDone", parse.GetValue(exitWhenDone));
            SetFlag(config, "Sources:PrintBeats", parse.GetValue(beats));
            Set(config, "Http:Port", parse.GetValue(port));
            Set(config, "Pipeline:SegmenterParameters", parse.GetValue(parameters));
            Set(config, "Classification:Models", parse.GetValue(classifiers));
            Set(config, "Pipeline:Segmenter", parse.GetValue(segmenter) ?? (parse.GetValue(parameters) is null ? null : LiveAnalyzers.Baseline));
            Set(config, "Mqtt:Host", parse.GetValue(mqttHost));
            Set(config, "Mqtt:Port", parse.GetValue(mqttPort));
            return await RunAsync(config).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> config)
    {
        using IHost host = RunHost.Build(config, sp =>
        {
            LivePipelineOptions options = sp.GetRequiredService<IOptions<LivePipelineOptions>>().Value;
            ILogger chosen = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HeartStream.Segmenter");
            if (options.Segmenter == LiveAnalyzers.Neural)
            {
                NeuralAnalyzerFactory? neural = LiveAnalyzers.TryLoadNeural(options, line => ServiceLog.NeuralUnavailable(chosen, line));
                if (neural is not null)
                {
                    ServiceLog.SegmenterChosen(chosen, $"{neural.ModelName} (neural, batched ONNX)");
                    ILogger reload = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HeartStream.Reload");
                    var registry = new ModelRegistry(DefaultPaths.Models);
                    neural.Watch(registry, DefaultPaths.SegmenterModelName, registry.DefaultVersion(DefaultPaths.SegmenterModelName), (accepted, message) => ServiceLog.ModelReload(reload, accepted, message));
                    return neural;
                }
            }

            string path = string.IsNullOrEmpty(options.SegmenterParameters) ? DefaultPaths.BaselineParameters : options.SegmenterParameters;
            SegmentationAnalyzerFactory loaded = SegmentationAnalyzerFactory.Load(path, options);
            var factory = new ReloadingAnalyzerFactory(loaded.Parameters, loaded.DecoderOptions);
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HeartStream.Reload");
            factory.Watch(path, (accepted, message) => ServiceLog.ParametersReload(logger, accepted ? "accepted" : "rejected", message));
            return factory;
        });
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"error: invalid configuration: {string.Join(" ", e.Failures)}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or MqttConnectionException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
        return host.Services.GetRequiredService<LivePipelineService>().ExitCode;
    }

    /// <summary>Expands '*' and '?' in file names the shell left unexpanded (e.g. from a config or a quoted argument).</summary>
    internal static string[] ExpandGlobs(string[] patterns)
    {
        var result = new List<string>();
        foreach (string pattern in patterns)
        {
            if (pattern.IndexOfAny(['*', '?']) < 0)
            {
                result.Add(pattern);
                continue;
            }

            string root = Path.GetDirectoryName(Path.GetFullPath(pattern.Split('*', '?')[0] + "x")) ?? ".";
            var matcher = new Matcher();
            string relative = Path.GetRelativePath(root, Path.GetFullPath(pattern).Replace("*", "__STAR__", StringComparison.Ordinal).Replace("?", "__Q__", StringComparison.Ordinal))
                .Replace("__STAR__", "*", StringComparison.Ordinal).Replace("__Q__", "?", StringComparison.Ordinal);
            matcher.AddInclude(relative);
            string[] found = [.. matcher.GetResultsInFullPath(root)];
            Array.Sort(found, StringComparer.Ordinal);
            result.AddRange(found.Length > 0 ? found : [pattern]);
        }

        return [.. result];
    }

    private static void Set<T>(Dictionary<string, string?> config, string key, T? value)
    {
        if (value is not null)
        {
            config[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    private static void SetFlag(Dictionary<string, string?> config, string key, bool value)
    {
        if (value)
        {
            config[key] = "true";
        }
    }
}
