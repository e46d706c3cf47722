using System.Diagnostics;
using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Training.Evaluation;

namespace HeartStream.Commands;

/// <summary>
/// The neural half of <c>heartstream bench streaming-agreement --neural</c>: the live neural analyzer (shared front end,
/// windows through a <see cref="BatchedInferenceStage"/>, streaming HSMM) against the offline neural analyser
/// (<see cref="NeuralSegmenter.CreateAnalyzer"/>) and the annotations, per (hop, emission look-ahead, decoder look-ahead,
/// step[, live window]) setting, with the worst-case latency, CPU per device-second (batch of one: the per-device upper
/// bound) and the part of it spent in ONNX Runtime (wall time of the model runs; what batching divides).
/// </summary>
internal static class BenchNeuralAgreement
{
    public const string DefaultSettings = "25:25:0.25:0.5:128:0:0.35,25:25:0.5:0.25:128:0:0.35,25:37:0.25:0.5:128:0:0.35,25:40:0.1:0.4:128:-1:0.35,25:40:0.1:0.4:128:0:0.35,25:25:0.25:0.5:128:0:0";

    public static int Run(IReadOnlyList<SegmentationBenchmarkCase> cases, string split, string settingsText, double toleranceMs)
    {
        List<NeuralStreamingOptions> settings;
        try
        {
            settings = ParseSettings(settingsText);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        RegisteredModel registered = new ModelRegistry(DefaultPaths.Models).Resolve(DefaultPaths.SegmenterModelName, FeatureSettings.Default.Hash());
        using NeuralSegmenter neural = NeuralSegmenter.Load(registered);
        foreach (NeuralStreamingOptions options in settings)
        {
            options.Validate(neural.Manifest.WindowFrames);
        }

        double tolerance = toleranceMs / 1000.0;
        // The reference is `heartstream analyze` as shipped: the network in live context (the service's default serving)
        // and the whole-recording decoder; the whole-context pass (`analyze --context full`) is the second reference.
        (WavAudio[] audio, IReadOnlyList<HeartSound>[] _, SegmentationScoreAccumulator offlineTruth, double audioSeconds) =
            BenchStreamingAgreement.AnalyseOffline(cases, neural.CreateAnalyzer(context: NeuralContext.Live), tolerance);
        (WavAudio[], IReadOnlyList<HeartSound>[], SegmentationScoreAccumulator, double) ReferenceFor(NeuralStreamingOptions options) =>
            BenchStreamingAgreement.AnalyseOffline(cases, new RecordingAnalyzer(neural.Decoder, neural.CreateEmissionModel(NeuralContext.Live, options), minSoundPosterior: options.MinSoundPosterior), tolerance);
        (_, IReadOnlyList<HeartSound>[] full, SegmentationScoreAccumulator fullTruth, _) =
            BenchStreamingAgreement.AnalyseOffline(cases, neural.CreateAnalyzer(context: NeuralContext.Full), tolerance);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{neural.DisplayName}, CirCor {split} split: {cases.Count} recordings, {audioSeconds:0} s of audio, tolerance {toleranceMs:0} ms, 0.1 s chunks, one device"));
        MatchCounts o = offlineTruth.Total.Both;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"offline neural (analyze: live context, the service's default serving) vs annotations: Se {o.Sensitivity:0.000}  PPV {o.PositivePredictiveValue:0.000}  F1 {o.F1:0.000}"));
        MatchCounts fo = fullTruth.Total.Both;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"offline neural (analyze --context full) vs annotations: Se {fo.Sensitivity:0.000}  PPV {fo.PositivePredictiveValue:0.000}  F1 {fo.F1:0.000}"));
        Console.WriteLine("  W  avg  hop  emit-la  dec-la  step  max latency  F1 vs analyze  F1 vs full  Se vs annot  PPV vs annot  F1 vs annot  CPU ms per device-s  ORT ms per device-s");

        // One stage per live window length (a stage runs one window length); batch of one, no wait.
        var stages = new Dictionary<int, (BatchedInferenceStage Stage, Task Worker)>();
        BatchedInferenceStage StageFor(NeuralStreamingOptions options)
        {
            int window = options.ResolveWindowFrames(neural.Manifest.WindowFrames);
            if (!stages.TryGetValue(window, out (BatchedInferenceStage Stage, Task Worker) entry))
            {
                var created = new BatchedInferenceStage(neural.CreateBatchModel(owned: false, window), new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
                entry = (created, Task.Run(() => created.RunAsync()));
                stages.Add(window, entry);
                RunDevice(created, neural.Decoder, audio[0], options, []); // JIT and ORT warm-up for this shape
            }

            return entry.Stage;
        }

        foreach (NeuralStreamingOptions options in settings)
        {
            BatchedInferenceStage stage = StageFor(options);
            // analyze as it would run beside a service configured with this setting: the same live serving, the same rule.
            (_, IReadOnlyList<HeartSound>[] offline, _, _) = ReferenceFor(options);
            var vsOffline = new SegmentationScoreAccumulator();
            var vsFull = new SegmentationScoreAccumulator();
            var vsTruth = new SegmentationScoreAccumulator();
            double cpu = 0, maxLatency = 0, runBefore = stage.RunSeconds;
            var sounds = new List<HeartSound>(4096);
            for (int i = 0; i < cases.Count; i++)
            {
                sounds.Clear();
                (double seconds, double latency) = RunDevice(stage, neural.Decoder, audio[i], options, sounds);
                cpu += seconds;
                maxLatency = Math.Max(maxLatency, latency);
                vsOffline.Add(offline[i], sounds, tolerance);
                vsFull.Add(full[i], sounds, tolerance);
                vsTruth.Add(cases[i].Reference, sounds, tolerance, cases[i].Span);
            }

            MatchCounts t = vsTruth.Total.Both;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{stage.WindowFrames,3}  {(options.AveragingLookaheadFrames < 0 ? "-" : options.AveragingLookaheadFrames.ToString(CultureInfo.InvariantCulture)),3}  {options.HopFrames,3}  {options.LookaheadFrames,7}  {options.Decoder.LookaheadSeconds,6:0.00}  {options.Decoder.StepSeconds,4:0.00}  {maxLatency,9:0.00} s  {vsOffline.Total.Both.F1,13:0.000}  {vsFull.Total.Both.F1,10:0.000}  {t.Sensitivity,11:0.000}  {t.PositivePredictiveValue,12:0.000}  {t.F1,11:0.000}  {cpu * 1000 / audioSeconds,19:0.00}  {(stage.RunSeconds - runBefore) * 1000 / audioSeconds,19:0.00}"));
        }

        foreach ((BatchedInferenceStage stage, Task worker) in stages.Values)
        {
            stage.Complete();
            worker.GetAwaiter().GetResult();
            stage.Dispose();
        }

        return 0;
    }

    /// <summary>Feeds one recording in 0.1 s chunks, flushes; returns the process CPU spent (worker included) and the latency bound.</summary>
    private static (double CpuSeconds, double MaxLatencySeconds) RunDevice(BatchedInferenceStage stage, SegmenterParameters decoder, WavAudio audio, NeuralStreamingOptions options, List<HeartSound> sounds)
    {
        var analyzer = new NeuralSegmentationAnalyzer(stage, decoder, audio.SampleRate, options);
        int chunk = Math.Max(1, audio.SampleRate / 10);
        ReadOnlyMemory<float> rest = audio.Samples;
        TimeSpan before = Process.GetCurrentProcess().TotalProcessorTime;
        while (!rest.IsEmpty)
        {
            int n = Math.Min(rest.Length, chunk);
            analyzer.PushAsync(rest[..n], sounds).AsTask().GetAwaiter().GetResult();
            rest = rest[n..];
        }

        analyzer.FlushAsync(sounds).AsTask().GetAwaiter().GetResult();
        TimeSpan after = Process.GetCurrentProcess().TotalProcessorTime;
        return ((after - before).TotalSeconds, analyzer.MaxLatencySeconds);
    }

    private static List<NeuralStreamingOptions> ParseSettings(string text)
    {
        var result = new List<NeuralStreamingOptions>();
        foreach (string entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = entry.Split(':');
            int window = 0, averaging = -1;
            float minPosterior = 0;
            if (parts.Length is < 4 or > 7
                || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int hop)
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int emit)
                || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double lookahead)
                || !double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double step)
                || (parts.Length >= 5 && !int.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out window))
                || (parts.Length >= 6 && !int.TryParse(parts[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out averaging))
                || (parts.Length == 7 && !float.TryParse(parts[6], NumberStyles.Float, CultureInfo.InvariantCulture, out minPosterior)))
            {
                throw new ArgumentException($"--neural-settings entry '{entry}' is not hop-frames:emission-look-ahead-frames:decoder-look-ahead-s:step-s[:window-frames[:averaging-look-ahead-frames[:min-sound-posterior]]] (e.g. 25:50:0.5:0.25 or 50:25:0.5:0.25:128 or 25:50:0.5:0.25:128:25)");
            }

            result.Add(new NeuralStreamingOptions
            {
                WindowFrames = window,
                AveragingLookaheadFrames = averaging,
                MinSoundPosterior = minPosterior,
                HopFrames = hop,
                LookaheadFrames = emit,
                Decoder = NeuralStreamingOptions.Default.Decoder with { LookaheadSeconds = lookahead, StepSeconds = step }, // the service's rate schedule
            });
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("--neural-settings names no setting");
        }

        return result;
    }
}
