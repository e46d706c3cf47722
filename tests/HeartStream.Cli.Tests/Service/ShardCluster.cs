using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// Test rig for scale-out: `heartstream run` processes with <c>Mqtt:Shards</c> on one real mosquitto, a gateway
/// simulator (a real recording, PhysioNet 2016 a0035, looped on every device, QoS 1 on the shard topics) and a
/// recording subscriber that keeps every device message with its publisher (the MQTT 5 user property each instance
/// sets). Seen from outside only: each process's /metrics and what the broker delivers.
/// </summary>
internal sealed class ShardCluster : IAsyncDisposable
{
    public const int Shards = 16;
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(120);

    private readonly IAsyncDisposable _broker;
    private readonly string _host;
    private readonly IReadOnlyList<int> _ports;
    private readonly int _protocol;
    private readonly string _prefix;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly MqttConnection _observer;
    private readonly Dictionary<string, string> _environment;
    private MqttConnection? _gateway;
    private CancellationTokenSource? _stopStreaming;
    private Task? _streaming;

    private ShardCluster(IAsyncDisposable broker, string host, IReadOnlyList<int> ports, int protocol, string prefix, int devices, Dictionary<string, string> environment)
    {
        _broker = broker;
        _host = host;
        _ports = ports;
        _protocol = protocol;
        _prefix = prefix;
        Devices = devices;
        _environment = environment;
        _observer = new MqttConnection(new MqttClientOptions { Host = host, Port = ports[1 % ports.Count], ClientId = prefix + "observer", ProtocolVersion = protocol });
        _observer.MessageReceived += (_, e) => Messages.Enqueue(new Seen(e.Topic, e.Publisher, e.Payload.ToArray(), Stopwatch.GetTimestamp()));
    }

    public int Devices { get; }

    public Dictionary<string, RunProcess> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Every message on heartstream/v1/devices/# the broker delivered (audio excluded), in arrival order.</summary>
    public ConcurrentQueue<Seen> Messages { get; } = new();

    public IEnumerable<string> DeviceIds => Enumerable.Range(0, Devices).Select(GatewaySimulator.DeviceId);

    /// <summary>The instance names, prefixed so that parallel test runs never share a client id.</summary>
    public string Name(string suffix) => _prefix + suffix;

    /// <summary>
    /// On a private mosquitto, or with <paramref name="nats"/> on a 3-node NATS cluster (MQTT 3.1.1): instance i then
    /// connects to node i mod 3, the gateway to node 1 and the observer to node 2.
    /// </summary>
    public static async Task<ShardCluster> StartAsync(string test, int devices, IReadOnlyDictionary<string, string>? environment = null, bool nats = false)
    {
        IAsyncDisposable broker;
        string host;
        IReadOnlyList<int> ports;
        if (nats)
        {
            NatsCluster nodes = await NatsCluster.StartAsync();
            (broker, host, ports) = (nodes, nodes.Host, nodes.MqttPorts);
        }
        else
        {
            MosquittoBroker mosquitto = await MosquittoBroker.StartAsync();
            (broker, host, ports) = (mosquitto, mosquitto.Host, [mosquitto.Port]);
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HEARTSTREAM_Mqtt__Shards"] = Shards.ToString(CultureInfo.InvariantCulture),
            ["HEARTSTREAM_Mqtt__ShardSettleSeconds"] = "1",
            ["HEARTSTREAM_Mqtt__KeepAliveSeconds"] = "5",
            ["HEARTSTREAM_Pipeline__IdleDeviceSeconds"] = "3",

            // Tachycardia above 62 bpm, so this adult's 67 bpm raises it 10 s after a device starts and keeps it.
            ["HEARTSTREAM_Alerts__DefaultProfile"] = "shard",
            ["HEARTSTREAM_Alerts__Profiles__shard__TachycardiaRaiseBpm"] = "62",
            ["HEARTSTREAM_Alerts__Profiles__shard__TachycardiaClearBpm"] = "58",
        };
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        if (nats)
        {
            env["HEARTSTREAM_Mqtt__ProtocolVersion"] = "4";
        }

        var cluster = new ShardCluster(broker, host, ports, nats ? 4 : 5, test + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-", devices, env);
        await cluster._observer.ConnectAsync();
        await cluster._observer.SubscribeAsync("heartstream/v1/devices/+/alerts", 1);
        await cluster._observer.SubscribeAsync("heartstream/v1/devices/+/vitals", 1);
        await cluster._observer.SubscribeAsync("heartstream/v1/devices/+/status", 1);
        await cluster._observer.SubscribeAsync("heartstream/v1/devices/+/alert-state", 1);
        return cluster;
    }

    /// <summary>Starts instances and waits until they listen.</summary>
    public async Task AddAsync(params string[] names)
    {
        foreach (string name in names)
        {
            int port = _ports[Runs.Count % _ports.Count];
            string[] arguments = ["--mqtt-host", _host, "--mqtt-port", port.ToString(CultureInfo.InvariantCulture), "--http-port", "0"];
            Runs[name] = RunProcess.Start(arguments, new Dictionary<string, string>(_environment) { ["HEARTSTREAM_Mqtt__ClientId"] = name });
        }

        foreach (string name in names)
        {
            await Runs[name].Address.WaitAsync(Hang);
        }
    }

    public async Task StartStreamingAsync()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        _gateway = new MqttConnection(new MqttClientOptions { Host = _host, Port = _ports[0], ClientId = _prefix + "gateway", ProtocolVersion = _protocol });
        await _gateway.ConnectAsync();
        var simulator = new GatewaySimulator(_gateway, DeviceIds.Select(id => (id, audio.Samples, audio.SampleRate)), shards: Shards);
        _stopStreaming = new CancellationTokenSource();
        _streaming = simulator.RunAsync(_stopStreaming.Token);
    }

    public async Task StopStreamingAsync()
    {
        if (_stopStreaming is not null)
        {
            await _stopStreaming.CancelAsync();
            await _streaming!;
        }
    }

    /// <summary>The instance that owns a device when <paramref name="members"/> are live.</summary>
    public static string OwnerOf(string deviceId, IReadOnlyCollection<string> members) => ShardMap.OwnerOf(ShardMap.ShardOf(deviceId, Shards), members) ?? "";

    /// <summary>Waits until the running instances own exactly the shards the hash gives them over <paramref name="members"/>.</summary>
    public Task UntilOwnedAsync(string[] members, string what) =>
        UntilAsync(m => m.Values.Sum(v => v.Owned) == Shards && m.All(p => p.Value.Owned == ShardMap.OwnedBy(p.Key, members, Shards).Count), what);

    /// <summary>Waits until every device streams at exactly the instance the hash gives it over the running instances.</summary>
    public Task UntilDevicesPlacedAsync(string what)
    {
        string[] members = [.. Runs.Keys];
        return UntilAsync(
            m => m.Values.Sum(v => v.Devices) == Devices && m.All(p => p.Value.Devices == DeviceIds.Count(d => OwnerOf(d, members) == p.Key)), what);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the scraped instances (all, or <paramref name="only"/>: a frozen one would make each scrape wait for its timeout).</summary>
    public async Task UntilAsync(Func<Dictionary<string, Scrape>, bool> condition, string what, params string[] only)
    {
        var clock = Stopwatch.StartNew();
        Dictionary<string, Scrape> last = [];
        while (clock.Elapsed < Hang)
        {
            last = await ScrapeAllAsync(only);
            if (condition(last))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"timed out waiting for {what}: {string.Join("; ", last.Select(p => $"{p.Key} shards {p.Value.Owned} devices {p.Value.Devices}"))}\n"
            + string.Join("\n----\n", Runs.Select(p => p.Key + ":\n" + p.Value.Output)) + (_broker is NatsCluster nats ? "\n" + nats.Logs : ""));
    }

    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Hang, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    public async Task<Dictionary<string, Scrape>> ScrapeAllAsync(params string[] only)
    {
        var result = new Dictionary<string, Scrape>(StringComparer.Ordinal);
        foreach ((string name, RunProcess run) in Runs)
        {
            if (only.Length > 0 && !only.Contains(name))
            {
                continue;
            }

            try
            {
                string text = await _http.GetStringAsync(new Uri(await run.Address, "metrics"));
                result[name] = new Scrape(Value(text, "heartstream_shards_owned"), Value(text, "heartstream_devices_active"), text);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                result[name] = new Scrape(double.NaN, double.NaN, ""); // not answering (frozen, or gone)
            }
        }

        return result;
    }

    /// <summary>A sample's value; <paramref name="series"/> is the metric name with its labels as exposed, e.g. <c>x{reason="duplicate"}</c>. NaN when absent.</summary>
    public static double Value(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    /// <summary>Alert steps seen, in order: (device, type, alert id, state).</summary>
    public List<(string Device, string Type, string Id, string State)> Alerts()
    {
        var alerts = new List<(string, string, string, string)>();
        foreach (Seen m in Messages.Where(m => m.Topic.EndsWith("/alerts", StringComparison.Ordinal)))
        {
            using JsonDocument doc = JsonDocument.Parse(m.Payload);
            JsonElement a = doc.RootElement;
            alerts.Add((a.GetProperty("device_id").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("alert_id").GetString()!, a.GetProperty("state").GetString()!));
        }

        return alerts;
    }

    /// <summary>Waits until every alert raised was cleared; on a timeout the message lists the open ones and their devices' messages.</summary>
    public async Task UntilAlertsClearedAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Hang)
        {
            var alerts = Alerts();
            string[] open = [.. alerts.Where(a => a.State == "raised").Select(a => a.Id).Where(id => !alerts.Any(a => a.Id == id && a.State == "cleared"))];
            if (open.Length == 0)
            {
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                string[] devices = [.. alerts.Where(a => open.Contains(a.Id)).Select(a => a.Device).Distinct()];
                long start = Messages.IsEmpty ? 0 : Messages.Min(m => m.At);
                Assert.Fail("alerts never cleared: " + string.Join(", ", open) + "\n" + string.Join("\n", Messages
                    .Where(m => devices.Any(d => m.Topic.Contains("/" + d + "/", StringComparison.Ordinal)) && !m.Topic.EndsWith("/vitals", StringComparison.Ordinal))
                    .Select(m => FormattableString.Invariant($"{Stopwatch.GetElapsedTime(start, m.At).TotalSeconds:0.00} {m.Publisher} {m.Topic} {System.Text.Encoding.UTF8.GetString(m.Payload)}")))
                    + "\n" + string.Join("\n----\n", Runs.Select(p => p.Key + ":\n" + p.Value.Output)));
            }

            await Task.Delay(200);
        }
    }

    public async Task TerminateAllAsync()
    {
        foreach (RunProcess run in Runs.Values)
        {
            await run.TerminateAsync(Hang);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopStreamingAsync();
        foreach (RunProcess run in Runs.Values)
        {
            run.Dispose();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await _observer.DisposeAsync();
        _stopStreaming?.Dispose();
        _http.Dispose();
        await _broker.DisposeAsync();
    }

    /// <summary>One instance's figures: shards owned, devices active, the whole exposition.</summary>
    public sealed record Scrape(double Owned, double Devices, string Text);

    /// <summary>A device message as the broker delivered it, with its publisher and arrival time (Stopwatch ticks).</summary>
    public sealed record Seen(string Topic, string? Publisher, byte[] Payload, long At);
}
