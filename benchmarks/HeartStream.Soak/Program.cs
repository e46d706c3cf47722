using System.Diagnostics;
using System.Globalization;
using System.Text;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

// heartstream-soak: the service as it is deployed (`heartstream run --mqtt-host`, a child process) under hours of load:
// a private mosquitto restarted every few minutes, N simulated gateway devices streaming real CirCor recordings in
// real time, and every interval one line of the service process's resident memory, threads and open handles (from
// /proc), the frames published and the messages received back. Not part of CI (docs/PERFORMANCE.md, "Soak").
//
// dotnet run -c Release --project benchmarks/HeartStream.Soak -- [--devices 200] [--minutes 60] [--restart-minutes 10]
//     [--interval-seconds 30] [--data ../shared/data/circor] [--service src/HeartStream/bin/Release/net10.0/heartstream.dll]
var settings = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--devices"] = "200",
    ["--minutes"] = "60",
    ["--restart-minutes"] = "10",
    ["--interval-seconds"] = "30",
    ["--data"] = Path.Combine("..", "shared", "data", "circor"),
    ["--service"] = Path.Combine("src", "HeartStream", "bin", "Release", "net10.0", "heartstream.dll"),
};
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (!settings.ContainsKey(args[i]))
    {
        Console.Error.WriteLine($"error: unknown option {args[i]} (options: {string.Join(", ", settings.Keys)})");
        return 2;
    }

    settings[args[i]] = args[i + 1];
}

int devices = int.Parse(settings["--devices"], CultureInfo.InvariantCulture);
double minutes = double.Parse(settings["--minutes"], CultureInfo.InvariantCulture);
double restartMinutes = double.Parse(settings["--restart-minutes"], CultureInfo.InvariantCulture);
double interval = double.Parse(settings["--interval-seconds"], CultureInfo.InvariantCulture);
string service = Path.GetFullPath(settings["--service"]);
if (!File.Exists(service))
{
    Console.Error.WriteLine($"error: {service} not found; build it first (dotnet build src/HeartStream -c Release)");
    return 2;
}

string[] files = [.. Directory.GetFiles(settings["--data"], "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(devices)];
if (files.Length == 0)
{
    Console.Error.WriteLine($"error: no .wav under {settings["--data"]}");
    return 2;
}

var options = new MosquittoBrokerOptions { Persistence = true };
await using MosquittoBroker broker = await MosquittoBroker.StartAsync(options);
const string instance = "soak";
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
foreach (string a in new[] { service, "run", "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--http-port", "0" })
{
    start.ArgumentList.Add(a);
}

start.Environment["HEARTSTREAM_Mqtt__ClientId"] = instance;
start.Environment["HEARTSTREAM_Mqtt__KeepAliveSeconds"] = "5";
using Process run = Process.Start(start)!;
var serviceLog = new StringBuilder();
long errorLines = 0;
void OnLine(string? line)
{
    if (line is null)
    {
        return;
    }

    lock (serviceLog)
    {
        if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))
        {
            errorLines++;
            Console.WriteLine("service: " + line);
        }

        serviceLog.AppendLine(line);
        if (serviceLog.Length > 1_000_000)
        {
            serviceLog.Remove(0, serviceLog.Length / 2);
        }
    }
}

run.OutputDataReceived += (_, e) => OnLine(e.Data);
run.ErrorDataReceived += (_, e) => OnLine(e.Data);
run.BeginOutputReadLine();
run.BeginErrorReadLine();
await Task.Delay(TimeSpan.FromSeconds(5));

long vitals = 0, beats = 0;
await using var observer = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = "soak-observer", CleanStart = false, SessionExpirySeconds = 600 });
observer.MessageReceived += (_, e) =>
{
    if (e.Topic.EndsWith("/vitals", StringComparison.Ordinal))
    {
        Interlocked.Increment(ref vitals);
    }
    else if (e.Topic.EndsWith("/beats", StringComparison.Ordinal))
    {
        Interlocked.Increment(ref beats);
    }
};
await observer.ConnectAsync();
await observer.SubscribeAsync(MqttTopics.Root + "/devices/+/vitals", 0);
await observer.SubscribeAsync(MqttTopics.Root + "/devices/+/beats", 0);

await using var gateway = new MqttConnection(new MqttClientOptions { Host = broker.Host, Port = broker.Port, ClientId = "soak-gateway" });
await gateway.ConnectAsync();
var audio = new List<(string, float[], int)>();
for (int i = 0; i < devices; i++)
{
    WavAudio wav = WavReader.Read(files[i % files.Length]);
    audio.Add((GatewaySimulator.DeviceId(i), wav.Samples, wav.SampleRate));
}

var simulator = new GatewaySimulator(gateway, audio, speed: 1, loop: true);
using var stop = new CancellationTokenSource();
Task streaming = simulator.RunAsync(stop.Token);
Console.WriteLine($"soak: {devices} devices ({files.Length} recordings), {minutes} min, broker restart every {restartMinutes} min, service pid {run.Id}");
Console.WriteLine("minute  rss_mb  threads  handles  frames_published  frames_not_sent  vitals_received  beats_received  broker_restarts");
var clock = Stopwatch.StartNew();
var rss = new List<(double Minute, double Mb)>();
int restarts = 0;
double nextRestart = restartMinutes;
while (clock.Elapsed.TotalMinutes < minutes && !run.HasExited)
{
    await Task.Delay(TimeSpan.FromSeconds(interval));
    double minute = clock.Elapsed.TotalMinutes;
    if (restartMinutes > 0 && minute >= nextRestart)
    {
        await broker.RestartAsync();
        restarts++;
        nextRestart += restartMinutes;
    }

    (double mb, int threads) = ProcStatus(run.Id);
    int handles = Directory.Exists($"/proc/{run.Id}/fd") ? Directory.GetFiles($"/proc/{run.Id}/fd").Length : -1;
    rss.Add((minute, mb));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{minute,6:0.0}  {mb,6:0}  {threads,7}  {handles,7}  {simulator.FramesPublished,16}  {simulator.FramesNotSent,15}  {Interlocked.Read(ref vitals),15}  {Interlocked.Read(ref beats),14}  {restarts,15}"));
}

await stop.CancelAsync();
try
{
    await streaming;
}
catch (OperationCanceledException)
{
}

bool exited = run.HasExited;
if (!exited)
{
    using Process term = Process.Start("kill", ["-TERM", run.Id.ToString(CultureInfo.InvariantCulture)]);
    await term.WaitForExitAsync();
    await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
}

(double Minute, double Mb)[] settled = [.. rss.Where(r => r.Minute >= Math.Min(5, minutes / 4))];
if (settled.Length > 0)
{
    double max = settled.Max(r => r.Mb), min = settled.Min(r => r.Mb);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"resident memory after the first {Math.Min(5, minutes / 4):0.#} min: min {min:0} MB, max {max:0} MB, max/min {max / min:0.000}; broker restarts {restarts}; service errors logged {errorLines}; service {(exited ? "died during the soak" : "stopped by SIGTERM, exit code " + run.ExitCode.ToString(CultureInfo.InvariantCulture))}"));
}

return exited ? 1 : 0;

static (double Mb, int Threads) ProcStatus(int pid)
{
    double mb = -1;
    int threads = -1;
    try
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                mb = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
            }
        }
    }
    catch (IOException)
    {
    }

    return (mb, threads);
}
