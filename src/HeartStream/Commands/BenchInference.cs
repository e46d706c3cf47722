using System.CommandLine;
using System.Diagnostics;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench inference [--iterations N]</c>: ONNX Runtime CPU time of every shipped model for one window
/// [1, 4, 256] and for a batch of 64 windows [64, 4, 256], with one intra-op thread and with ORT's default threads.
/// Inputs are random normal values (the timing of these small convolutional models does not depend on the values).
/// </summary>
internal static class BenchInference
{
    public static Command Create()
    {
        var iterations = new Option<int>("--iterations") { Description = "Timed runs per case (after 10 warm-up runs).", DefaultValueFactory = _ => 200 };
        var command = new Command("inference", "Measure ONNX Runtime inference time of the shipped models per window and per batch of 64.") { iterations };
        command.SetAction(parse => Run(Math.Max(1, parse.GetValue(iterations))));
        return command;
    }

    private static int Run(int iterations)
    {
        var registry = new ModelRegistry(DefaultPaths.Models);
        int frames = FeatureSettings.Default.WindowFrames;
        Console.WriteLine($"ONNX Runtime {OnnxRuntimeInfo.Version}, CPU execution provider, window = 4 x {frames} frames, {iterations} timed runs");
        Console.WriteLine($"{"model",-28} {"threads",7} {"1 window: median",17} {"p99",9} {"batch 64: median",17} {"p99",9} {"per window",11}");
        foreach (string dir in Directory.GetDirectories(DefaultPaths.Models).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            if (!registry.Contains(name))
            {
                continue;
            }

            RegisteredModel model = registry.Resolve(name, FeatureSettings.Default.Hash());
            foreach (int threads in new[] { 1, 0 })
            {
                using OnnxSession session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = threads });
                string output = session.OutputNames[0];
                int classes = model.Manifest.Kind == "segmenter" ? 4 : model.Manifest.Classes.Count;
                (double m1, double p1) = Time(session, output, 1, frames, classes, model.Manifest.Kind == "segmenter", iterations);
                (double m64, double p64) = Time(session, output, 64, frames, classes, model.Manifest.Kind == "segmenter", iterations);
                string label = threads == 0 ? "default" : threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Console.WriteLine(FormattableString.Invariant(
                    $"{name + " " + model.Manifest.Version,-28} {label,7} {m1,14:0.000} ms {p1,6:0.000} ms {m64,14:0.00} ms {p64,6:0.00} ms {m64 / 64 * 1000,8:0} µs"));
            }
        }

        return 0;
    }

    private static (double Median, double P99) Time(OnnxSession session, string output, int batch, int frames, int classes, bool perFrame, int iterations)
    {
        var random = new Random(20160);
        var input = new float[batch * 4 * frames];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        long[] inputShape = [batch, 4, frames];
        long[] outputShape = perFrame ? [batch, classes, frames] : [batch, classes];
        var result = new float[perFrame ? batch * classes * frames : batch * classes];
        for (int i = 0; i < 10; i++)
        {
            session.Run("features", input, inputShape, output, result, outputShape);
        }

        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            session.Run("features", input, inputShape, output, result, outputShape);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[iterations / 2], times[Math.Min(iterations - 1, (int)(iterations * 0.99))]);
    }
}
