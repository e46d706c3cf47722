using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench alerts --data DIR</c>: false alerts per monitored hour. Every recording labelled normal
/// (PhysioNet 2016 REFERENCE -1; CirCor patients with murmur Absent and outcome Normal; PASCAL files named normal_*)
/// is replayed through <see cref="AlertBench"/>. Each recording uses the profile of its patient's age group: CirCor
/// gives one (neonate, infant, child, adolescent; its pregnant adults have none and use adult), the others are adult
/// recordings or unknown age and use adult (--profile overrides for every recording). Prints counts per data set and
/// per age group by type, and with --evidence one line per raised alert.
/// </summary>
internal static class BenchAlertsCommand
{
    /// <summary>
    /// The command. <paramref name="analyzers"/> makes the live analysis measured (default: the logistic baseline
    /// segmentation session, as the service runs today), so another live path is benchmarked identically.
    /// </summary>
    public static Command Create(Func<IDeviceAnalyzerFactory>? analyzers = null)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The shared data set folder.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var limit = new Option<int>("--limit") { Description = "At most this many recordings per data set (0 = all).", DefaultValueFactory = _ => 0 };
        var profile = new Option<string?>("--profile") { Description = "Use this built-in profile (adult, paediatric, neonate, infant, child, adolescent) for every recording instead of the age-appropriate one." };
        var evidence = new Option<bool>("--evidence") { Description = "Print one EVIDENCE line per raised alert (recording, age, profile, reported vs annotated heart rate, quality)." };
        var segmenter = new Option<string>("--segmenter") { Description = "Live segmenter under test: neural (the service's default) or baseline.", DefaultValueFactory = _ => LiveAnalyzers.Neural };
        var gate = new Option<bool>("--heard-beat-gate") { Description = "Vitals count only sounds that stand out of the noise (Pipeline:HeardBeatGate)." };
        var models = new Option<DirectoryInfo?>("--models") { Description = "Model registry to take the neural segmenter from (default: the shipped models)." };
        var minPosterior = new Option<double>("--min-sound-posterior") { Description = "Neural: report a sound only when the network's mean posterior of its type reaches this (Pipeline:NeuralMinSoundPosterior; default: the service's).", DefaultValueFactory = _ => -1 };
        var emission = new Option<int>("--neural-lookahead-frames") { Description = "Neural: frames of future each window gives its frames (Pipeline:NeuralLookaheadFrames; default: the service's).", DefaultValueFactory = _ => -1 };
        var averaging = new Option<int?>("--neural-averaging") { Description = "Neural: averaging look-ahead frames, -1 = one window per frame (Pipeline:NeuralAveragingLookaheadFrames; default: the service's)." };
        var decoderLookahead = new Option<double>("--decoder-lookahead") { Description = "Decoder look-ahead in seconds (Pipeline:DecoderLookaheadSeconds; default: the service's)." };
        var decoderStep = new Option<double>("--decoder-step") { Description = "Decoder step in seconds (Pipeline:DecoderStepSeconds; default: the service's)." };
        var noSounds = new Option<bool>("--no-heart-sounds")
        {
            Description = "Instead: splice 20 s of each CirCor test recording's own diastolic noise after its last diastole and measure whether and how fast no-heart-sounds is raised.",
        };
        var noise = new Option<string>("--noise")
        {
            Description = "With --no-heart-sounds: the noise after the onset, diastoles (the recording's own, joined) or stationary (synthetic Gaussian noise with their spectrum and RMS).",
            DefaultValueFactory = _ => NoHeartSoundsBench.DiastoleNoise,
        };
        noise.AcceptOnlyFromAmong(NoHeartSoundsBench.DiastoleNoise, NoHeartSoundsBench.StationaryNoiseKind);
        var trim = new Option<double>("--trim-ms")
        {
            Description = "With --no-heart-sounds: milliseconds cut off each end of every diastole used as noise (annotated boundaries are not exact).",
            DefaultValueFactory = _ => NoHeartSoundsSplice.DefaultTrimSeconds * 1000,
        };
        var classifiers = new Option<string>("--classifiers")
        {
            Description = "Live classifiers to run on every recording, comma-separated (Classification:Models; default the service's; \"\" = none), so murmur and abnormal-heart-sound alerts are counted too.",
            DefaultValueFactory = _ => new LiveClassificationOptions().Models,
        };
        var command = new Command("alerts", "Count false alerts per hour over the recordings labelled normal.") { data, limit, profile, evidence, segmenter, gate, noSounds, models, minPosterior, emission, averaging, decoderLookahead, decoderStep, noise, trim, classifiers };
        command.SetAction(parse =>
        {
            string chosen = parse.GetValue(segmenter)!;
            LiveAnalyzers.Validate(chosen);
            double posterior = parse.GetValue(minPosterior);
            var live = new LivePipelineOptions
            {
                NeuralMinSoundPosterior = posterior >= 0 ? posterior : null,
                NeuralLookaheadFrames = parse.GetValue(emission),
                NeuralAveragingLookaheadFrames = parse.GetValue(averaging),
                DecoderLookaheadSeconds = parse.GetValue(decoderLookahead),
                DecoderStepSeconds = parse.GetValue(decoderStep),
            };
            string? registry = parse.GetValue(models)?.FullName;
            Func<IDeviceAnalyzerFactory> make = analyzers ?? (() =>
                (chosen == LiveAnalyzers.Neural ? LiveAnalyzers.TryLoadNeural(live, Console.Error.WriteLine, registry) : null)
                ?? (IDeviceAnalyzerFactory)new SegmentationAnalyzerFactory(SegmenterParameters.Load(DefaultPaths.BaselineParameters)));
            if (parse.GetValue(noSounds))
            {
                double trimSeconds = parse.GetValue(trim) / 1000;
                if (trimSeconds is < 0 or > 0.2)
                {
                    Console.Error.WriteLine($"error: --trim-ms must lie in 0..200, got {trimSeconds * 1000}");
                    return 2;
                }

                return RunNoHeartSounds(parse.GetValue(data)!, parse.GetValue(limit), make, parse.GetValue(gate), parse.GetValue(noise)!, trimSeconds);
            }

            var classification = new LiveClassificationOptions { Models = parse.GetValue(classifiers) ?? "" };
            using LiveClassifierFactory? liveClassifiers = classification.ModelNames().Count == 0
                ? null
                : LiveClassifierFactory.Load(registry ?? DefaultPaths.Models, classification, problem => Console.Error.WriteLine($"warning: {problem}"));
            return Run(parse.GetValue(data)!, parse.GetValue(limit), parse.GetValue(profile), parse.GetValue(evidence), make, parse.GetValue(gate), liveClassifiers);
        });
        return command;
    }

    private static int RunNoHeartSounds(DirectoryInfo data, int limit, Func<IDeviceAnalyzerFactory> analyzers, bool heardBeatGate, string noise, double trimSeconds)
    {
        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist");
            return 2;
        }

        IDeviceAnalyzerFactory factory = analyzers();
        try
        {
            Console.WriteLine($"analysis: {(factory is NeuralAnalyzerFactory n ? n.ModelName + " (neural, batched)" : "baseline")}, heard-beat gate {(heardBeatGate ? "on" : "off")}");
            return NoHeartSoundsBench.Run(data.FullName, limit, new AlertBench(factory, heardBeatGate), Console.Out, noise, trimSeconds);
        }
        finally
        {
            (factory as IDisposable)?.Dispose();
        }
    }

    private static int Run(DirectoryInfo data, int limit, string? profileName, bool evidence, Func<IDeviceAnalyzerFactory> analyzers, bool heardBeatGate, LiveClassifierFactory? classifiers)
    {
        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist");
            return 2;
        }

        var recordings = new List<AlertBenchRecording>();
        foreach (List<AlertBenchRecording> set in new[] { PhysioNetNormal(data.FullName), CirCorNormal(data.FullName), PascalNormal(data.FullName) })
        {
            IEnumerable<AlertBenchRecording> taken = limit > 0 ? set.Take(limit) : set;
            recordings.AddRange(profileName is null ? taken : taken.Select(r => r with { Profile = profileName }));
        }

        var wall = Stopwatch.StartNew();
        IDeviceAnalyzerFactory factory = analyzers();
        IReadOnlyList<AlertBenchResult> results;
        try
        {
            results = new AlertBench(factory, heardBeatGate, classifiers).Run(recordings, new AlertOptions());
        }
        finally
        {
            (factory as IDisposable)?.Dispose();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"analysis: {(factory is NeuralAnalyzerFactory n ? n.ModelName + " (neural, batched)" : "baseline")}, heard-beat gate {(heardBeatGate ? "on" : "off")}, classifiers: {(classifiers is null || classifiers.Models.Count == 0 ? "none" : string.Join(", ", classifiers.Models.Select(m => m.Identity)))}"));
        wall.Stop();

        Console.WriteLine("by data set");
        Table(results, r => r.Recording.Set);
        Console.WriteLine();
        Console.WriteLine("by age group (profile)");
        Table(results, r => $"{r.Recording.AgeGroup} ({r.Recording.Profile})");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({wall.Elapsed.TotalSeconds:0} s wall)"));
        foreach (AlertBenchResult r in results.Where(r => r.Error is not null))
        {
            Console.Error.WriteLine($"unreadable: {r.Recording.Path}: {r.Error}");
        }

        // Rate alerts checked against the data set's own S1 annotation (CirCor): a segmentation error, or a real rate.
        var verdicts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (AlertBenchResult r in results.Where(r => r.Raised.Count > 0))
        {
            List<double>? s1 = r.Recording.AnnotationPath is string tsv && File.Exists(tsv) ? AlertBench.ReadS1Starts(tsv) : null;
            AlertProfile profile = new AlertOptions { DefaultProfile = r.Recording.Profile }.Resolve(r.Recording.Set);
            foreach (AlertEvent a in r.Raised)
            {
                string verdict = AlertBench.Verdict(a, profile, s1);
                verdicts[verdict] = verdicts.GetValueOrDefault(verdict) + 1;
                lines.Add(AlertBench.Evidence(r.Recording, a, s1, r.Sounds, profile));
            }
        }

        Console.WriteLine("rate alerts vs annotation: " + string.Join(" ", verdicts.Where(kv => kv.Key != "-").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
        if (evidence)
        {
            lines.ForEach(Console.WriteLine);
        }

        return 0;
    }

    private static void Table(IReadOnlyList<AlertBenchResult> results, Func<AlertBenchResult, string> key)
    {
        Console.WriteLine("group                       recordings  hours   physiological  per h   technical  per h   by type");
        double totalHours = 0;
        long totalPhysio = 0, totalTechnical = 0;
        foreach (IGrouping<string, AlertBenchResult> g in results.Where(r => r.Error is null).GroupBy(key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double hours = g.Sum(r => r.Seconds) / 3600;
            List<AlertEvent> raised = [.. g.SelectMany(r => r.Raised)];
            long physio = raised.Count(a => a.Category == AlertCategory.Physiological);
            long technical = raised.Count - physio;
            string types = string.Join(" ", raised.GroupBy(a => a.Type).OrderBy(t => t.Key).Select(t => $"{AlertTypeInfo.WireName(t.Key)}={t.Count()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{g.Key,-27} {g.Count(),10}  {hours,5:0.00}   {physio,13}  {Rate(physio, hours),5:0.00}   {technical,9}  {Rate(technical, hours),5:0.00}   {types}"));
            totalHours += hours;
            totalPhysio += physio;
            totalTechnical += technical;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"all",-27} {results.Count(r => r.Error is null),10}  {totalHours,5:0.00}   {totalPhysio,13}  {Rate(totalPhysio, totalHours),5:0.00}   {totalTechnical,9}  {Rate(totalTechnical, totalHours),5:0.00}"));
    }

    private static double Rate(long count, double hours) => hours > 0 ? count / hours : 0;

    private static List<AlertBenchRecording> PhysioNetNormal(string root)
    {
        var files = new List<AlertBenchRecording>();
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
                    files.Add(new AlertBenchRecording("physionet2016", wav, "adult", "adult", null));
                }
            }
        }

        return files;
    }

    private static List<AlertBenchRecording> CirCorNormal(string root)
    {
        var files = new List<AlertBenchRecording>();
        string csv = Path.Combine(root, "circor", "training_data.csv");
        string dir = Path.Combine(root, "circor", "training_data");
        if (!File.Exists(csv))
        {
            return files;
        }

        string[] header = File.ReadLines(csv).First().Split(',');
        int murmur = Array.IndexOf(header, "Murmur");
        int outcome = Array.IndexOf(header, "Outcome");
        int age = Array.IndexOf(header, "Age");
        int pregnant = Array.IndexOf(header, "Pregnancy status");
        foreach (string line in File.ReadLines(csv).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length > Math.Max(murmur, outcome) && f[murmur] == "Absent" && f[outcome] == "Normal")
            {
                (string group, string profile) = CirCorAgeGroup(Column(f, age), Column(f, pregnant));
                foreach (string wav in Directory.GetFiles(dir, f[0] + "_*.wav").Order(StringComparer.Ordinal))
                {
                    files.Add(new AlertBenchRecording("circor", wav, group, profile, Path.ChangeExtension(wav, ".tsv")));
                }
            }
        }

        return files;
    }

    /// <summary>
    /// CirCor's age group → (group, profile). Its groups: neonate (birth–27 days), infant (28 days–1 year), child
    /// (1–11 years), adolescent (12–18 years); patients without an age are the pregnant adults (adult profile), else
    /// the generic paediatric profile.
    /// </summary>
    internal static (string Group, string Profile) CirCorAgeGroup(string age, string pregnancy) => age.Trim().ToUpperInvariant() switch
    {
        "NEONATE" => ("neonate", "neonate"),
        "INFANT" => ("infant", "infant"),
        "CHILD" => ("child", "child"),
        "ADOLESCENT" => ("adolescent", "adolescent"),
        _ when pregnancy.Trim().Equals("True", StringComparison.OrdinalIgnoreCase) => ("adult (pregnant)", "adult"),
        _ => ("child (age unknown)", "paediatric"),
    };

    // A column the table may lack (older copies without Age / Pregnancy status): empty, so the age is unknown.
    private static string Column(string[] fields, int index) => index >= 0 && index < fields.Length ? fields[index] : "";

    private static List<AlertBenchRecording> PascalNormal(string root)
    {
        string dir = Path.Combine(root, "pascal");
        return Directory.Exists(dir)
            ? [.. Directory.GetFiles(dir, "normal_*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => new AlertBenchRecording("pascal", f, "unknown (adult)", "adult", null))]
            : [];
    }
}
