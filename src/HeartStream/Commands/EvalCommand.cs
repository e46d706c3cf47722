using System.CommandLine;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream eval segmentation --data DIR [--dataset circor|pascal] [--split all|train|val|test] [--tolerance-ms 60] [--model default|baseline|NAME[@VERSION]] [--json]</c>:
/// scores the segmenter against the CirCor segmentations or the PASCAL set A marks.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var dataset = new Option<string>("--dataset") { Description = "circor or pascal.", DefaultValueFactory = _ => "circor" };
        dataset.AcceptOnlyFromAmong("circor", "pascal");
        var split = new Option<string>("--split") { Description = "Patient-wise split part (CirCor): all, train, val or test.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("all", "train", "val", "test");
        var tolerance = new Option<double>("--tolerance-ms") { Description = "Match tolerance between centres, in ms.", DefaultValueFactory = _ => 60 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var perRecording = new Option<bool>("--per-recording") { Description = "Include one row per recording in the JSON." };
        var parameters = new Option<FileInfo?>("--params") { Description = "Baseline segmenter parameters JSON (implies --model baseline unless a model is named)." };
        var model = new Option<string>("--model") { Description = "default (the shipped neural segmenter if present, else the baseline), baseline, or NAME[@VERSION] from the model registry.", DefaultValueFactory = _ => SegmenterChoice.Default };
        var segmentation = new Command("segmentation", "Score S1/S2 detection (Se, PPV, F1) and heart-rate error against reference annotations.")
        {
            data, dataset, split, tolerance, json, perRecording, parameters, model,
        };
        segmentation.SetAction(parse => RunSegmentation(
            parse.GetValue(data)!, parse.GetValue(dataset)!, parse.GetValue(split)!, parse.GetValue(tolerance), parse.GetValue(json), parse.GetValue(perRecording), parse.GetValue(parameters), parse.GetValue(model)!));
        return new Command("eval", "Evaluate models on the real data sets.") { segmentation };
    }

    private static int RunSegmentation(DirectoryInfo data, string dataset, string split, double toleranceMs, bool json, bool perRecording, FileInfo? parametersFile, string model)
    {
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

        SegmenterChoice choice;
        try
        {
            choice = SegmenterChoice.Load(model, parametersFile);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load segmenter '{model}': {e.Message}");
            return 2;
        }

        using SegmenterChoice loaded = choice;
        double tolerance = toleranceMs / 1000.0;
        SplitPart? part = split switch { "train" => SplitPart.Train, "val" => SplitPart.Val, "test" => SplitPart.Test, _ => null };
        IReadOnlyList<SegmentationBenchmarkCase> cases = dataset == "pascal"
            ? SegmentationCases.Pascal(data.FullName, tolerance)
            : SegmentationCases.CirCor(data.FullName, part);
        var failures = new List<string>();
        EvaluationReport report = SegmentationEvaluator.Evaluate(cases, loaded.CreateAnalyzer, tolerance, failures: failures);
        foreach (string f in failures)
        {
            Console.Error.WriteLine($"error: {f}");
        }

        if (json)
        {
            Console.WriteLine((perRecording ? report : report with { PerRecording = null }).ToJson());
        }
        else
        {
            string label = dataset == "pascal" ? "PASCAL set A marks" : $"CirCor {split} split";
            Console.WriteLine(FormattableString.Invariant($"{label}: {report.Recordings} recordings, tolerance {toleranceMs:0} ms, segmenter {loaded.Description}"));
            Console.WriteLine(FormattableString.Invariant($"  both  Se {report.Se:0.000}  PPV {report.Ppv:0.000}  F1 {report.F1:0.000}"));
            Console.WriteLine(FormattableString.Invariant($"  S1    Se {report.S1.Se:0.000}  PPV {report.S1.Ppv:0.000}  F1 {report.S1.F1:0.000}"));
            Console.WriteLine(FormattableString.Invariant($"  S2    Se {report.S2.Se:0.000}  PPV {report.S2.Ppv:0.000}  F1 {report.S2.F1:0.000}"));
            Console.WriteLine(report.HrMaeBpm is double mae
                ? FormattableString.Invariant($"  heart-rate MAE {mae:0.00} bpm over {report.HrWindows} 10-s windows")
                : "  heart-rate MAE n/a (no scorable 10-s window)");
        }

        return failures.Count == 0 ? 0 : 1;
    }
}
