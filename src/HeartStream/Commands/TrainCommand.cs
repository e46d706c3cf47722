using System.CommandLine;
using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Baseline;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using HeartStream.Training.Models;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream train baseline --data DIR [--out FILE]</c>: fits the Springer-style baseline segmenter on CirCor's training patients.
/// The neural models are trained by <c>heartstream-train</c> (src/Trainer, TorchSharp; docs/training.md).
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the parameters JSON.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", "baseline", "segmenter.json")) };
        var baseline = new Command("baseline", "Train the logistic-regression + HSMM baseline segmenter on the CirCor training split.") { data, output };
        baseline.SetAction(parse =>
        {
            DirectoryInfo dir = parse.GetValue(data)!;
            FileInfo file = parse.GetValue(output)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"error: data folder {dir.FullName} does not exist");
                return 2;
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            SegmenterParameters parameters = BaselineSegmenterTrainer.Train(dir.FullName, FeatureSettings.Default, new Progress<string>(m => Console.Error.WriteLine(m)));
            file.Directory?.Create();
            parameters.Save(file.FullName);
            Console.WriteLine($"wrote {file.FullName} in {started.Elapsed.TotalSeconds:0.0} s");
            return 0;
        });
        return new Command("train", "Train models from labelled recordings.") { baseline };
    }
}
