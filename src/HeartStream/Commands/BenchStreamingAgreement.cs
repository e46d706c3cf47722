using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench streaming-agreement --data DIR</c>: replays the CirCor split through the live per-device
/// session (0.1 s chunks, one thread) for each (look-ahead, step) setting and prints F1 against the offline analyser,
/// Se/PPV/F1 against the expert annotations (60 ms by default), the session's worst-case latency and its CPU per
/// device-second, so the decoder defaults are chosen from a reproducible measurement.
/// </summary>
internal static class BenchStreamingAgreement
{
    private const string DefaultSettings = "2:1,1.5:0.5,1:0.5,1:0.25";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var split = new Option<string>("--split") { Description = "CirCor split: train, val, test or all.", DefaultValueFactory = _ => "test" };
        var settings = new Option<string>("--settings") { Description = "Comma-separated look-ahead:step pairs in seconds.", DefaultValueFactory = _ => DefaultSettings };
        var tolerance = new Option<double>("--tolerance-ms") { Description = "Matching tolerance in milliseconds.", DefaultValueFactory = _ => 60 };
        var neural = new Option<bool>("--neural") { Description = "Measure the live neural segmenter (batched ONNX) against the offline neural analyser (analyze with the same live serving, and the whole-recording pass) instead of the baseline." };
        var neuralSettings = new Option<string>("--neural-settings") { Description = "With --neural: comma-separated hop-frames:emission-look-ahead-frames:decoder-look-ahead-s:step-s[:window-frames[:averaging-look-ahead-frames]] (window 0 or absent = the model's; averaging -1 or absent = one window per frame).", DefaultValueFactory = _ => BenchNeuralAgreement.DefaultSettings };
        var history = new Option<double?>("--history") { Description = "Decode window in seconds (default: the decoder's)." };
        var rateInterval = new Option<double?>("--hr-interval") { Description = "Seconds between heart-rate choices once the rate window is full." };
        var rateGrowth = new Option<double?>("--hr-growth") { Description = "While the rate window fills, re-choose once the frames seen grew by this fraction (0 = every step)." };
        var repeat = new Option<int>("--repeat") { Description = "Replays per setting; the least CPU is reported (the machine is shared).", DefaultValueFactory = _ => 1 };
        var command = new Command("streaming-agreement", "Live decoder vs offline analyser and annotations, per look-ahead/step.") { data, split, settings, tolerance, neural, neuralSettings, history, rateInterval, rateGrowth, repeat };
        command.SetAction(parse =>
        {
            StreamingDecoderOptions baseOptions = StreamingDecoderOptions.Default;
            baseOptions = parse.GetValue(history) is double h ? baseOptions with { HistorySeconds = h } : baseOptions;
            baseOptions = parse.GetValue(rateInterval) is double i ? baseOptions with { HeartRateIntervalSeconds = i } : baseOptions;
            baseOptions = parse.GetValue(rateGrowth) is double g ? baseOptions with { HeartRateFillingGrowth = g } : baseOptions;
            bool isNeural = parse.GetValue(neural);
            if (isNeural && (baseOptions != StreamingDecoderOptions.Default || parse.GetValue(repeat) != 1))
            {
                Console.Error.WriteLine("error: --history, --hr-interval, --hr-growth and --repeat apply to the baseline decoder; with --neural use --neural-settings");
                return 2;
            }

            return Run(parse.GetValue(data)!, parse.GetValue(split)!, isNeural ? parse.GetValue(neuralSettings)! : parse.GetValue(settings)!, parse.GetValue(tolerance), isNeural, baseOptions, parse.GetValue(repeat));
        });
        return command;
    }

    private static int Run(DirectoryInfo data, string split, string settingsText, double toleranceMs, bool neural, StreamingDecoderOptions baseOptions, int repeat)
    {
        if (repeat < 1)
        {
            Console.Error.WriteLine("error: --repeat must be at least 1");
            return 2;
        }

        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist (expected a copy of ../shared/data)");
            return 2;
        }

        if (!(toleranceMs > 0))
        {
            Console.Error.WriteLine("error: --tolerance-ms must be positive");
            return 2;
        }

        if (split is not ("train" or "val" or "test" or "all"))
        {
            Console.Error.WriteLine($"error: --split must be train, val, test or all; got '{split}'");
            return 2;
        }

        SplitPart? part = split switch { "train" => SplitPart.Train, "val" => SplitPart.Val, "test" => SplitPart.Test, _ => null };

        IReadOnlyList<SegmentationBenchmarkCase> cases;
        try
        {
            cases = SegmentationCases.CirCor(data.FullName, part);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot read CirCor under {data.FullName}: {e.Message}");
            return 2;
        }

        if (cases.Count == 0)
        {
            Console.Error.WriteLine($"error: no annotated CirCor recordings in the {split} split under {data.FullName}");
            return 2;
        }

        if (neural)
        {
            return BenchNeuralAgreement.Run(cases, split, settingsText, toleranceMs);
        }

        List<StreamingDecoderOptions> settings;
        try
        {
            settings = ParseSettings(settingsText, baseOptions);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        double tolerance = toleranceMs / 1000.0;
        var parameters = SegmenterParameters.Load(DefaultPaths.BaselineParameters);
        (WavAudio[] audio, IReadOnlyList<HeartSound>[] offline, SegmentationScoreAccumulator offlineTruth, double audioSeconds) =
            AnalyseOffline(cases, new RecordingAnalyzer(parameters), tolerance);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CirCor {split} split: {cases.Count} recordings, {audioSeconds:0} s of audio, tolerance {toleranceMs:0} ms, 0.1 s chunks, one thread"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decoder: history {baseOptions.HistorySeconds:0.##} s, heart rate over {baseOptions.HeartRateHistorySeconds:0.##} s every {baseOptions.HeartRateIntervalSeconds:0.##} s, filling growth {baseOptions.HeartRateFillingGrowth:0.##}"));
        MatchCounts o = offlineTruth.Total.Both;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"offline vs annotations: Se {o.Sensitivity:0.000}  PPV {o.PositivePredictiveValue:0.000}  F1 {o.F1:0.000}"));
        Console.WriteLine("lookahead  step  max latency  F1 vs offline  Se vs annot  PPV vs annot  F1 vs annot  CPU ms per device-s  decodes/min  HR choices/min");

        // One untimed pass so the JIT has compiled the decoder before the first timed setting.
        RunSession(parameters, audio[0], settings[0], []);
        foreach (StreamingDecoderOptions options in settings)
        {
            var vsOffline = new SegmentationScoreAccumulator();
            var vsTruth = new SegmentationScoreAccumulator();
            double cpu = double.PositiveInfinity, maxLatency = 0;
            long decodes = 0, rateChoices = 0;
            var sounds = new List<HeartSound>(4096);
            for (int r = 0; r < repeat; r++)
            {
                // Agreement is deterministic: scored on the first replay; CPU is the least over the replays.
                double replayCpu = 0;
                for (int i = 0; i < cases.Count; i++)
                {
                    sounds.Clear();
                    SessionRun run = RunSession(parameters, audio[i], options, sounds);
                    replayCpu += run.CpuSeconds;
                    if (r == 0)
                    {
                        maxLatency = Math.Max(maxLatency, run.MaxLatencySeconds);
                        decodes += run.Decodes;
                        rateChoices += run.RateChoices;
                        vsOffline.Add(offline[i], sounds, tolerance);
                        vsTruth.Add(cases[i].Reference, sounds, tolerance, cases[i].Span);
                    }
                }

                cpu = Math.Min(cpu, replayCpu);
            }

            MatchCounts t = vsTruth.Total.Both;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{options.LookaheadSeconds,9:0.00}  {options.StepSeconds,4:0.00}  {maxLatency,9:0.00} s  {vsOffline.Total.Both.F1,13:0.000}  {t.Sensitivity,11:0.000}  {t.PositivePredictiveValue,12:0.000}  {t.F1,11:0.000}  {cpu * 1000 / audioSeconds,19:0.00}  {decodes * 60 / audioSeconds,9:0.0}  {rateChoices * 60 / audioSeconds,11:0.0}"));
        }

        return 0;
    }

    /// <summary>Feeds one recording in 0.1 s chunks, flushes, and returns the CPU seconds spent, the session's latency bound and the decoder's work.</summary>
    private static SessionRun RunSession(SegmenterParameters parameters, WavAudio audio, StreamingDecoderOptions options, List<HeartSound> sounds)
    {
        var session = new StreamingSegmentationSession(parameters, audio.SampleRate, options);
        int chunk = Math.Max(1, audio.SampleRate / 10);
        ReadOnlySpan<float> rest = audio.Samples;
        TimeSpan before = Process.GetCurrentProcess().TotalProcessorTime;
        while (!rest.IsEmpty)
        {
            int n = Math.Min(rest.Length, chunk);
            session.Push(rest[..n], sounds);
            rest = rest[n..];
        }

        session.Flush(sounds);
        TimeSpan after = Process.GetCurrentProcess().TotalProcessorTime;
        return new SessionRun((after - before).TotalSeconds, session.MaxLatencySeconds, session.Decoder.Decodes, session.Decoder.HeartRateEstimates);
    }

    /// <summary>Reads every case, runs the offline analyser on it and scores it against the annotations (the reference of both agreement benches).</summary>
    internal static (WavAudio[] Audio, IReadOnlyList<HeartSound>[] Offline, SegmentationScoreAccumulator OfflineTruth, double AudioSeconds) AnalyseOffline(
        IReadOnlyList<SegmentationBenchmarkCase> cases, RecordingAnalyzer analyzer, double tolerance)
    {
        var audio = new WavAudio[cases.Count];
        var offline = new IReadOnlyList<HeartSound>[cases.Count];
        var offlineTruth = new SegmentationScoreAccumulator();
        for (int i = 0; i < cases.Count; i++)
        {
            audio[i] = WavReader.Read(cases[i].Recording.WavPath);
            offline[i] = analyzer.Analyze(audio[i]).Sounds;
            offlineTruth.Add(cases[i].Reference, offline[i], tolerance, cases[i].Span);
        }

        return (audio, offline, offlineTruth, audio.Sum(a => (double)a.Samples.Length / a.SampleRate));
    }

    private static List<StreamingDecoderOptions> ParseSettings(string text, StreamingDecoderOptions baseOptions)
    {
        var result = new List<StreamingDecoderOptions>();
        foreach (string pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = pair.Split(':');
            if (parts.Length != 2
                || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lookahead)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double step))
            {
                throw new ArgumentException($"--settings entry '{pair}' is not look-ahead:step in seconds (e.g. 1:0.5)");
            }

            StreamingDecoderOptions options = baseOptions with { LookaheadSeconds = lookahead, StepSeconds = step };
            options.Validate(AnalysisRate.FrameRate);
            result.Add(options);
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("--settings names no look-ahead:step pair");
        }

        return result;
    }

    private readonly record struct SessionRun(double CpuSeconds, double MaxLatencySeconds, long Decodes, long RateChoices);
}
