using System.CommandLine;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream simulate --broker URL --devices N --data DIR</c>: a gateway simulator. Publishes the WAV recordings
/// under DIR (sorted, device i plays file i mod count) as audio frames at real-time pace, looped, as devices
/// sim-0001…; until Ctrl-C or <c>--seconds</c>.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "Broker URL, e.g. mqtt://127.0.0.1:1883 (default: Mqtt:Host/Port from configuration)." };
        var devices = new Option<int>("--devices") { Description = "Number of simulated devices.", DefaultValueFactory = _ => 1 };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder searched recursively for .wav recordings (default: the repository's samples/)." };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this many seconds (0 = until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var frameMs = new Option<int>("--frame-ms") { Description = "Audio per frame in milliseconds (20..1000).", DefaultValueFactory = _ => 100 };
        var speed = new Option<double>("--speed") { Description = "Replay speed (1 = real time).", DefaultValueFactory = _ => 1 };
        var shards = new Option<int?>("--shards") { Description = "Publish on the shard topics of this many shards, as a gateway of a sharded deployment does (default: Mqtt:Shards; 0 = the unsharded topic)." };
        var command = new Command("simulate", "Publish real recordings as gateway audio frames over MQTT (devices sim-0001…).") { broker, devices, data, seconds, frameMs, speed, shards };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(broker), parse.GetValue(devices), parse.GetValue(data), parse.GetValue(seconds), parse.GetValue(frameMs), parse.GetValue(speed), parse.GetValue(shards), token));
        return command;
    }

    /// <summary>Loads the recordings under <paramref name="folder"/> for <paramref name="count"/> devices.</summary>
    public static List<(string DeviceId, float[] Samples, int SampleRate)> LoadDevices(string folder, int count)
    {
        string[] files = Directory.GetFiles(folder, "*.wav", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            throw new FileNotFoundException($"No .wav recordings under {folder}.");
        }

        var audio = files.Take(Math.Min(count, files.Length)).Select(WavReader.Read).ToArray();
        return [.. Enumerable.Range(0, count).Select(i => (GatewaySimulator.DeviceId(i), audio[i % audio.Length].Samples, audio[i % audio.Length].SampleRate))];
    }

    private static async Task<int> RunAsync(string? broker, int devices, DirectoryInfo? data, double seconds, int frameMs, double speed, int? shards, CancellationToken cancellationToken)
    {
        if (devices is < 1 or > 10_000)
        {
            Console.Error.WriteLine($"error: --devices must be 1..10000; got {devices}");
            return 2;
        }

        string? folder = data?.FullName ?? ServiceConfiguration.FindSamples();
        if (folder is null || !Directory.Exists(folder))
        {
            Console.Error.WriteLine($"error: data folder {folder ?? "samples/"} does not exist");
            return 2;
        }

        MqttClientOptions options = ServiceConfiguration.Mqtt(ServiceConfiguration.Load());
        List<(string, float[], int)> loaded;
        try
        {
            if (broker is not null)
            {
                (options.Host, options.Port) = ServiceConfiguration.ParseBroker(broker);
            }

            loaded = LoadDevices(folder, devices);
        }
        catch (Exception e) when (e is ArgumentException or IOException or WavFormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        options.ClientId = null;
        options.CleanStart = true;
        options.Will = null;
        await using var client = new MqttConnection(options);
        try
        {
            await client.ConnectAsync(cancellationToken);
        }
        catch (MqttConnectionException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        int shardCount = shards ?? options.Shards;
        if (shardCount is < 0 or > 4096)
        {
            Console.Error.WriteLine($"error: --shards must be 0 (off) to 4096, got {shardCount}");
            return 2;
        }

        var simulator = new GatewaySimulator(client, loaded, frameMs, speed, shards: shardCount);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (seconds > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        Console.WriteLine($"simulating {devices} device(s) from {folder} on {options.Host}:{options.Port}; Ctrl-C stops");
        await simulator.RunAsync(stop.Token);
        Console.WriteLine($"published {simulator.FramesPublished} frames ({simulator.FramesNotSent} not sent while disconnected)");
        return 0;
    }
}
