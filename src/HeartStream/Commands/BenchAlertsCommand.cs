using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench alerts --data DIR</c>: false alerts per monitored hour. Every recording labelled normal
/// (PhysioNet 2016 REFERENCE -1; CirCor patients with murmur Absent and outcome Normal; PASCAL files named normal_*)
/// is replayed as fast as analysis allows through the live pipeline's own device analysis stage (the service's
/// analyzer, vitals) into a fresh <see cref="AlertEngine"/>; raised alerts are counted per hour of audio. CirCor
/// patients are children and use the paediatric profile; the others use the adult profile (--profile overrides).
/// </summary>
internal static class BenchAlertsCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared data set folder.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var limit = new Option<int>("--limit") { Description = "At most this many recordings per data set (0 = all).", DefaultValueFactory = _ => 0 };
        var profile = new Option<string?>("--profile") { Description = "Use this built-in profile (adult, paediatric) for every recording." };
        var command = new Command("alerts", "Count false alerts per hour over the recordings labelled normal.") { data, limit, profile };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(limit), parse.GetValue(profile)));
        return command;
    }

    private static int Run(DirectoryInfo data, int limit, string? profileName)
    {
        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist");
            return 2;
        }

        var sets = new List<(string Name, string Profile, List<string> Files)>
        {
            ("physionet2016", "adult", PhysioNetNormal(data.FullName)),
            ("circor", "paediatric", CirCorNormal(data.FullName)),
            ("pascal", "adult", PascalNormal(data.FullName)),
        };
        var factory = new SegmentationAnalyzerFactory(SegmenterParameters.Load(DefaultPaths.BaselineParameters));
        Console.WriteLine("data set        profile      recordings  hours   physiological  per h   technical  per h   by type");
        double totalHours = 0;
        long totalPhysio = 0, totalTechnical = 0;
        var wall = Stopwatch.StartNew();
        foreach ((string name, string defaultProfile, List<string> all) in sets)
        {
            List<string> files = limit > 0 ? all.Take(limit).ToList() : all;
            string used = profileName ?? defaultProfile;
            var options = new AlertOptions { DefaultProfile = used };
            var byType = new Dictionary<AlertType, long>();
            double seconds = 0;
            long physio = 0, technical = 0, failed = 0;
            Lock gate = new();
            Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, file =>
            {
                (double length, List<AlertEvent> raised)? result;
                try
                {
                    result = Replay(file, factory, options);
                }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException)
                {
                    result = null;
                }

                lock (gate)
                {
                    if (result is not { } r)
                    {
                        failed++;
                        return;
                    }

                    seconds += r.length;
                    foreach (AlertEvent a in r.raised)
                    {
                        byType[a.Type] = byType.GetValueOrDefault(a.Type) + 1;
                        if (a.Category == AlertCategory.Physiological)
                        {
                            physio++;
                        }
                        else
                        {
                            technical++;
                        }
                    }
                }
            });

            double hours = seconds / 3600;
            totalHours += hours;
            totalPhysio += physio;
            totalTechnical += technical;
            string types = string.Join(" ", byType.OrderBy(kv => kv.Key).Select(kv => $"{AlertTypeInfo.WireName(kv.Key)}={kv.Value}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-15} {used,-12} {files.Count - failed,10}  {hours,5:0.00}   {physio,13}  {Rate(physio, hours),5:0.00}   {technical,9}  {Rate(technical, hours),5:0.00}   {types}{(failed > 0 ? $" ({failed} unreadable)" : "")}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"all",-15} {"",-12} {"",10}  {totalHours,5:0.00}   {totalPhysio,13}  {Rate(totalPhysio, totalHours),5:0.00}   {totalTechnical,9}  {Rate(totalTechnical, totalHours),5:0.00}   ({wall.Elapsed.TotalSeconds:0} s wall)"));
        return 0;
    }

    private static double Rate(long count, double hours) => hours > 0 ? count / hours : 0;

    /// <summary>One recording through the device analysis stage (no drops: the capture edge waits) and a fresh engine.</summary>
    private static (double Seconds, List<AlertEvent> Raised) Replay(string file, IDeviceAnalyzerFactory factory, AlertOptions options)
    {
        WavAudio audio = WavReader.Read(file);
        int rate = audio.SampleRate;
        int chunk = Math.Max(1, rate / 10);
        var pool = new ChunkPool(chunk, 8);
        string device = Path.GetFileNameWithoutExtension(file);
        var stage = new DeviceAnalysisStage(device, rate, factory.Create(device, rate), pool, 1.0, 10.0);
        var input = Channel.CreateBounded<AudioChunk>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.Wait });
        var output = Channel.CreateUnbounded<PipelineEvent>();
        Task run = stage.RunAsync(input.Reader, output.Writer);
        var engine = new AlertEngine(options);
        var alerts = new List<AlertEvent>();
        Task feed = Task.Run(async () =>
        {
            for (int at = 0; at < audio.Samples.Length; at += chunk)
            {
                int n = Math.Min(chunk, audio.Samples.Length - at);
                float[] buffer = pool.Rent();
                audio.Samples.AsSpan(at, n).CopyTo(buffer);
                await input.Writer.WriteAsync(new AudioChunk(buffer, n, at, Stopwatch.GetTimestamp())).ConfigureAwait(false);
            }

            input.Writer.Complete();
        });
        while (output.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (output.Reader.TryRead(out PipelineEvent? e))
            {
                if (e is DeviceStatusEvent { Status: DeviceStatus.Offline })
                {
                    continue; // the end of a recording is not a device going offline
                }

                engine.Process(e, alerts);
            }
        }

        run.GetAwaiter().GetResult();
        feed.GetAwaiter().GetResult();
        return ((double)audio.Samples.Length / rate, alerts.Where(a => a.State == AlertState.Raised).ToList());
    }

    private static List<string> PhysioNetNormal(string root)
    {
        var files = new List<string>();
        string dir = Path.Combine(root, "physionet2016");
        if (!Directory.Exists(dir))
        {
            return files;
        }

        foreach (string reference in Directory.GetFiles(dir, "REFERENCE.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (string line in File.ReadLines(reference))
            {
                string[] f = line.Split(',');
                string wav = Path.Combine(Path.GetDirectoryName(reference)!, f[0].Trim() + ".wav");
                if (f.Length >= 2 && f[1].Trim() == "-1" && File.Exists(wav))
                {
                    files.Add(wav);
                }
            }
        }

        return files;
    }

    private static List<string> CirCorNormal(string root)
    {
        var files = new List<string>();
        string csv = Path.Combine(root, "circor", "training_data.csv");
        string dir = Path.Combine(root, "circor", "training_data");
        if (!File.Exists(csv))
        {
            return files;
        }

        string[] header = File.ReadLines(csv).First().Split(',');
        int murmur = Array.IndexOf(header, "Murmur");
        int outcome = Array.IndexOf(header, "Outcome");
        foreach (string line in File.ReadLines(csv).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length > Math.Max(murmur, outcome) && f[murmur] == "Absent" && f[outcome] == "Normal")
            {
                files.AddRange(Directory.GetFiles(dir, f[0] + "_*.wav").Order(StringComparer.Ordinal));
            }
        }

        return files;
    }

    private static List<string> PascalNormal(string root)
    {
        string dir = Path.Combine(root, "pascal");
        return Directory.Exists(dir)
            ? [.. Directory.GetFiles(dir, "normal_*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [];
    }
}
