using System.CommandLine;
using System.Diagnostics;
using HeartStream.Capture.Sources;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench streams --count N --seconds S [--data DIR]</c>: N simulated devices replay real recordings
/// (samples/ or every WAV under DIR, looped) at real-time pace through the whole live pipeline, with the metrics sink
/// only. Prints device-seconds analysed per wall-second, end-to-end latency p50/p99 (arrival of the sample at a sound's
/// centre to its beat event), CPU use, memory per stream and bytes allocated per analysis frame.
/// </summary>
internal static class BenchStreams
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Simulated devices.", DefaultValueFactory = _ => 100 };
        var seconds = new Option<double>("--seconds") { Description = "Wall seconds to stream.", DefaultValueFactory = _ => 20 };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder searched recursively for .wav files (default: the samples copied beside the executable)." };
        var speed = new Option<double>("--speed") { Description = "Replay speed of every device (1 = real time).", DefaultValueFactory = _ => 1 };
        var lookahead = new Option<double>("--lookahead") { Description = "Streaming decoder look-ahead in seconds (0 = default).", DefaultValueFactory = _ => 0 };
        var step = new Option<double>("--step") { Description = "Streaming decoder step in seconds (0 = default).", DefaultValueFactory = _ => 0 };
        var window = new Option<int>("--neural-window") { Description = "Neural live window in frames (0 = default).", DefaultValueFactory = _ => 0 };
        var hop = new Option<int>("--neural-hop") { Description = "Neural hop in frames (0 = default).", DefaultValueFactory = _ => 0 };
        var emission = new Option<int>("--neural-lookahead") { Description = "Neural emission look-ahead in frames (-1 = default).", DefaultValueFactory = _ => -1 };
        var averaging = new Option<int?>("--neural-averaging") { Description = "Neural: least future frames of a window averaged into a frame (-1 = one window; unset = default)." };
        var segmenter = new Option<string>("--segmenter") { Description = "Live segmenter: neural (batched ONNX) or baseline.", DefaultValueFactory = _ => LiveAnalyzers.Neural };
        segmenter.AcceptOnlyFromAmong(LiveAnalyzers.Neural, LiveAnalyzers.Baseline);
        var classifiers = new Option<string>("--classifiers")
        {
            Description = "Live classifiers of every device, comma-separated (Classification:Models; default the service's; \"\" = none).",
            DefaultValueFactory = _ => new LiveClassificationOptions().Models,
        };
        var web = new Option<int>("--web")
        {
            Description = "Also serve the web views (bedside envelope on) and hold this many central-station streams open, plus one bedside stream; prints their traffic (0 = no web views).",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("streams", "Measure the live pipeline with many simulated devices.") { count, seconds, data, speed, lookahead, step, segmenter, window, hop, emission, averaging, classifiers, web };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(count), parse.GetValue(seconds), parse.GetValue(data), parse.GetValue(speed),
            new LivePipelineOptions
            {
                DecoderLookaheadSeconds = parse.GetValue(lookahead), DecoderStepSeconds = parse.GetValue(step), Segmenter = parse.GetValue(segmenter)!,
                NeuralWindowFrames = parse.GetValue(window), NeuralHopFrames = parse.GetValue(hop), NeuralLookaheadFrames = parse.GetValue(emission),
                NeuralAveragingLookaheadFrames = parse.GetValue(averaging),
                WaveformPointsPerSecond = parse.GetValue(web) > 0 ? Web.WebViews.WaveformPointsPerSecond : 0,
            },
            new LiveClassificationOptions { Models = parse.GetValue(classifiers) ?? "" },
            parse.GetValue(web)));
        return command;
    }

    private static async Task<int> RunAsync(int count, double seconds, DirectoryInfo? data, double speed, LivePipelineOptions options, LiveClassificationOptions classification, int webStreams)
    {
        if (count < 1 || !(seconds > 0) || !(speed > 0))
        {
            await Console.Error.WriteLineAsync("error: --count must be ≥ 1, --seconds and --speed > 0").ConfigureAwait(false);
            return 2;
        }

        string folder = data?.FullName ?? ServiceConfiguration.FindSamples() ?? Path.GetFullPath("samples");
        if (!Directory.Exists(folder))
        {
            await Console.Error.WriteLineAsync($"error: data folder {folder} does not exist").ConfigureAwait(false);
            return 2;
        }

        string[] files = Directory.GetFiles(folder, "*.wav", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            await Console.Error.WriteLineAsync($"error: no .wav files under {folder}").ConfigureAwait(false);
            return 2;
        }

        IReadOnlyList<string> invalid = options.Validate();
        if (invalid.Count > 0)
        {
            await Console.Error.WriteLineAsync("error: " + string.Join(" ", invalid)).ConfigureAwait(false);
            return 2;
        }

        using NeuralAnalyzerFactory? neural = options.Segmenter == LiveAnalyzers.Neural ? LiveAnalyzers.TryLoadNeural(options, Console.Error.WriteLine) : null;
        SegmentationAnalyzerFactory? baseline = neural is null ? SegmentationAnalyzerFactory.Load(DefaultPaths.BaselineParameters, options) : null;
        IDeviceAnalyzerFactory analyzers = neural ?? (IDeviceAnalyzerFactory)baseline!;
        await WarmUpAsync(analyzers, files[0]).ConfigureAwait(false);
        using LiveClassifierFactory? classifiers = classification.ModelNames().Count == 0
            ? null
            : LiveClassifierFactory.Load(DefaultPaths.Models, classification, problem => Console.Error.WriteLine($"warning: {problem}"));
        long runsBefore = neural?.Stage.Runs ?? 0;
        long windowsBefore = neural?.Stage.Windows ?? 0;
        double runSecondsBefore = neural?.Stage.RunSeconds ?? 0;

        var latency = new LatencySink();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Process self = Process.GetCurrentProcess();
        long workingSetBefore = self.WorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();

        Web.StationState? station = webStreams > 0 ? new Web.StationState() : null;
        IEventSink[] sinks = station is null ? [new MetricsEventSink(), latency] : [new MetricsEventSink(), latency, station];
        await using var pipeline = new LivePipeline(options, analyzers, sinks, classifiers: classifiers);
        pipeline.Start();
        await using Web.WebServer? webServer = station is null ? null : await Web.WebServer.StartAsync(
            new Web.WebOptions { Port = 0 }, station, null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ConfigureAwait(false);
        if (webServer is not null)
        {
            await Console.Error.WriteLineAsync($"web views at {webServer.BaseAddress}").ConfigureAwait(false); // scripts/bench-web-browser.sh opens it
        }

        using var readers = new CancellationTokenSource();
        var readBytes = new long[webStreams + (webStreams > 0 ? 1 : 0)];
        var readerTasks = new List<Task>();
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            var replay = new WavReplayOptions
            {
                Speed = speed,
                Loop = true,
                StartDelay = TimeSpan.FromMilliseconds(random.NextDouble() * options.ChunkMilliseconds),
            };
            pipeline.AddDevice(new WavFileSource(files[i % files.Length], $"sim-{i:D4}", replay));
        }

        // Steady-state allocation: from a quarter of the run (every device set up and streaming) to the end.
        double settle = seconds / 4;
        await Task.Delay(TimeSpan.FromSeconds(settle)).ConfigureAwait(false);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var webClock = Stopwatch.StartNew();
        for (int r = 0; webServer is not null && r < readBytes.Length; r++)
        {
            string path = r < webStreams ? "api/station" : "api/devices/sim-0000/stream";
            readerTasks.Add(ReadStreamAsync(http, new Uri(webServer.BaseAddress, path), readBytes, r, readers.Token));
        }

        long allocatedSettled = GC.GetTotalAllocatedBytes(precise: true);
        double analysedSettled = pipeline.AnalysedSeconds;
        long droppedSettled = pipeline.DroppedSamples;
        await Task.Delay(TimeSpan.FromSeconds(seconds - settle)).ConfigureAwait(false);
        double streamed = wall.Elapsed.TotalSeconds;
        double analysedAtEnd = pipeline.AnalysedSeconds;
        self.Refresh();
        long workingSetStreaming = self.WorkingSet64;
        TimeSpan cpuStreaming = self.TotalProcessorTime;
        long allocatedStreaming = GC.GetTotalAllocatedBytes(precise: true);
        double webSeconds = webClock.Elapsed.TotalSeconds;
        await readers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(readerTasks).ConfigureAwait(false);
        await pipeline.StopAsync().ConfigureAwait(false);
        wall.Stop();

        double cpu = (cpuStreaming - cpuBefore).TotalSeconds;
        double expected = count * speed * streamed;
        double steadyFrames = (analysedAtEnd - analysedSettled) * AnalysisRate.FrameRate;
        double p50 = latency.Percentile(0.50);
        double p99 = latency.Percentile(0.99);
        bool keepsUp = analysedAtEnd >= 0.95 * count * speed * (streamed - 0.2) && pipeline.DroppedSamples == 0 && p99 <= 2.5;
        Console.WriteLine($"devices             {count} (from {files.Length} recordings, looped, speed {speed:0.##})");
        Console.WriteLine($"streamed            {streamed:0.0} s wall, {analysedAtEnd:0} device-s analysed of {expected:0} offered");
        Console.WriteLine($"throughput          {analysedAtEnd / streamed:0.0} device-s per wall-s");
        if (neural is not null)
        {
            NeuralStreamingOptions n = neural.Options;
            long runs = neural.Stage.Runs - runsBefore;
            long windows = neural.Stage.Windows - windowsBefore;
            Console.WriteLine($"segmenter           {neural.ModelName} (neural, batched ONNX): window {neural.Stage.WindowFrames} frames, averaging {n.AveragingLookaheadFrames}, hop {n.HopFrames} frames, emission look-ahead {n.LookaheadFrames} frames, decoder look-ahead {n.Decoder.LookaheadSeconds:0.##} s, step {n.Decoder.StepSeconds:0.##} s; bound from a sound's end {neural.MaxLatencySeconds(2000):0.00} s at 2 kHz, {neural.MaxLatencySeconds(4000):0.00} s at 4 kHz");
            Console.WriteLine($"inference           {runs} runs, {windows} windows, {(runs == 0 ? 0 : (double)windows / runs):0.0} windows per batch on average (max {neural.Stage.Options.MaxBatchWindows}, wait {neural.Stage.Options.MaxWait.TotalMilliseconds:0.#} ms); model runs {(neural.Stage.RunSeconds - runSecondsBefore) / Math.Max(1e-9, wall.Elapsed.TotalSeconds):0.00} of wall time, {(neural.Stage.RunSeconds - runSecondsBefore) * 1000 / Math.Max(1e-9, analysedAtEnd):0.00} ms per device-s, longest run {neural.Stage.LongestRunSeconds * 1000:0} ms");
        }
        else
        {
            Console.WriteLine($"decoder             baseline, look-ahead {baseline!.DecoderOptions.LookaheadSeconds:0.##} s, step {baseline.DecoderOptions.StepSeconds:0.##} s, bound from a sound's end {baseline.MaxLatencySeconds(2000):0.00} s at 2 kHz, {baseline.MaxLatencySeconds(4000):0.00} s at 4 kHz");
        }
        Console.WriteLine($"classifiers         {(classifiers is null || classifiers.Models.Count == 0 ? "none" : string.Join(", ", classifiers.Models.Select(m => m.Identity)))}, every {classification.IntervalSeconds:0.#} s per device; {latency.Classifications} results");
        Console.WriteLine($"latency             p50 {p50:0.000} s, p99 {p99:0.000} s ({latency.Count} beats)");
        Console.WriteLine($"cpu                 {cpu / streamed:0.00} cores ({cpu:0.0} s CPU over {streamed:0.0} s; {Environment.ProcessorCount} logical cores)");
        Console.WriteLine($"memory              {workingSetStreaming / 1048576.0:0} MB working set, {(workingSetStreaming - workingSetBefore) / 1048576.0 / count:0.000} MB per stream");
        Console.WriteLine($"allocated           {(allocatedStreaming - allocatedSettled) / Math.Max(1, steadyFrames):0.0} bytes per analysis frame in steady state (whole process: events, timers, channel waits; set-up {(allocatedSettled - allocatedBefore) / 1048576.0 / count:0.00} MB per stream)");
        Console.WriteLine($"dropped             {pipeline.DroppedSamples} samples at capture ({pipeline.DroppedSamples - droppedSettled} after the first {settle:0.#} s, once every device was set up and streaming)");
        Console.WriteLine($"keeps up            {(keepsUp ? "yes" : "no")} (≥ 95% of offered audio analysed, nothing dropped, p99 ≤ 2.5 s)");
        if (webServer is not null)
        {
            double central = readBytes.Take(webStreams).Average() / webSeconds / 1024;
            Console.WriteLine($"web views           {webStreams} central-station stream(s): {central:0.0} KB/s each ({station!.DeviceCount} tiles); bedside stream {readBytes[^1] / webSeconds / 1024:0.0} KB/s; over {webSeconds:0.0} s (CPU above includes these in-process readers)");
        }

        return 0;
    }

    private static async Task WarmUpAsync(IDeviceAnalyzerFactory analyzers, string file)
    {
        await using var pipeline = new LivePipeline(new LivePipelineOptions(), analyzers, []);
        pipeline.Start();
        pipeline.AddDevice(new WavFileSource(file, "warm-up", new WavReplayOptions { Speed = 0 }));
        pipeline.CompleteAdding();
        await pipeline.Completion.ConfigureAwait(false);
    }

    /// <summary>Beat latencies in a 1 ms histogram (0 to 60 s); written by the dispatch stage only.</summary>
    /// <summary>Reads an event stream like a browser would, counting its bytes, until cancelled.</summary>
    private static async Task ReadStreamAsync(HttpClient http, Uri uri, long[] bytes, int slot, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"warning: {uri.AbsolutePath} answered {(int)response.StatusCode}").ConfigureAwait(false);
                return;
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                bytes[slot] += n;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the run ended
        }
    }

    private sealed class LatencySink : IEventSink
    {
        private readonly long[] _buckets = new long[60_001];

        public long Count { get; private set; }

        public long Classifications { get; private set; }

        public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
        {
            if (pipelineEvent is ClassificationEvent)
            {
                Classifications++;
            }

            if (pipelineEvent is BeatEvent beat && double.IsFinite(beat.LatencySeconds))
            {
                _buckets[Math.Clamp((int)(beat.LatencySeconds * 1000), 0, _buckets.Length - 1)]++;
                Count++;
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public double Percentile(double q)
        {
            long target = (long)Math.Ceiling(q * Count);
            long seen = 0;
            for (int i = 0; i < _buckets.Length; i++)
            {
                seen += _buckets[i];
                if (seen >= target && seen > 0)
                {
                    return (i + 0.5) / 1000;
                }
            }

            return double.NaN;
        }
    }
}
