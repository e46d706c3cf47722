using System.CommandLine;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using HeartStream.Training.Models;

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
        Option<string> context = SegmenterChoice.ContextOption();
        context.AcceptOnlyFromAmong("live", "full");
        var segmentation = new Command("segmentation", "Score S1/S2 detection (Se, PPV, F1) and heart-rate error against reference annotations.")
        {
            data, dataset, split, tolerance, json, perRecording, parameters, model, context,
        };
        segmentation.SetAction(parse => RunSegmentation(
            parse.GetValue(data)!, parse.GetValue(dataset)!, parse.GetValue(split)!, parse.GetValue(tolerance), parse.GetValue(json), parse.GetValue(perRecording), parse.GetValue(parameters), parse.GetValue(model)!,
            SegmenterChoice.ParseContext(parse.GetValue(context)!)));
        return new Command("eval", "Evaluate models on the real data sets.") { segmentation, CreateClassification() };
    }

    private static int RunSegmentation(DirectoryInfo data, string dataset, string split, double toleranceMs, bool json, bool perRecording, FileInfo? parametersFile, string model, NeuralContext context)
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

        double tolerance = toleranceMs / 1000.0;
        SplitPart? part = split switch { "train" => SplitPart.Train, "val" => SplitPart.Val, "test" => SplitPart.Test, _ => null };
        SegmenterChoice choice;
        try
        {
            choice = SegmenterChoice.Load(model, parametersFile, context: context, live: ServiceConfiguration.LiveNeuralServing(), preferCuda: ServiceConfiguration.LivePipeline().UseCuda);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load segmenter '{model}': {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: the Pipeline settings (appsettings.json, HEARTSTREAM_Pipeline__*) do not fit segmenter '{model}': {e.Message}");
            return 2;
        }

        using SegmenterChoice loaded = choice;
        IReadOnlyList<SegmentationBenchmarkCase> cases;
        try
        {
            cases = dataset == "pascal"
                ? SegmentationCases.Pascal(data.FullName, tolerance)
                : SegmentationCases.CirCor(data.FullName, part);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // A data folder without the data set, or a malformed table: say which and stop, no stack trace.
            Console.Error.WriteLine($"error: cannot read the {dataset} data set under {data.FullName}: {e.Message}");
            return 2;
        }

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

    private static Command CreateClassification()
    {
        var task = new Option<string>("--task") { Description = "abnormal (PhysioNet 2016), murmur (CirCor, patient level) or pascal.", Required = true };
        task.AcceptOnlyFromAmong("abnormal", "murmur", "pascal");
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var split = new Option<string>("--split") { Description = "Patient-wise split part: all, train, val or test.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("all", "train", "val", "test");
        var labels = new Option<FileInfo?>("--labels") { Description = "CSV of 'file,label' rows (files relative to --data) to score instead of a split." };
        var model = new Option<string?>("--model") { Description = "Registry model NAME[@VERSION] (default: classifier-<task>, latest)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("classification", "Score a recording classifier: accuracy, Se/Sp/MAcc (abnormal), weighted accuracy (murmur), macro F1 (pascal), confusion matrix.")
        {
            task, data, split, labels, model, json,
        };
        command.SetAction(parse => RunClassification(
            Enum.Parse<ClassificationTask>(parse.GetValue(task)!, ignoreCase: true), parse.GetValue(data)!, parse.GetValue(split)!, parse.GetValue(labels), parse.GetValue(model), parse.GetValue(json)));
        return command;
    }

    /// <summary>
    /// The murmur frame model is trained on every CirCor patient, so a split of CirCor would score it on its own
    /// training data: its figures are the cross-validation it shipped with (heartstream-train murmur), printed here.
    /// </summary>
    private static int FrameModelFigures(ModelManifest manifest, bool json)
    {
        IReadOnlyDictionary<string, double> m = manifest.Metrics;
        double Get(string key) => m.TryGetValue(key, out double v) ? v : double.NaN;
        if (json)
        {
            var doc = new System.Text.Json.Nodes.JsonObject
            {
                ["task"] = "murmur",
                ["model"] = $"{manifest.Name} {manifest.Version}",
                ["source"] = "cross-validation at training time (heartstream-train murmur)",
                ["folds"] = Get("cv_folds"),
                ["weighted_accuracy"] = Get("cv_weighted_accuracy"),
                ["weighted_accuracy_fold_sd"] = Get("cv_weighted_accuracy_fold_sd"),
                ["se_present"] = Get("cv_se_present"),
                ["sp_absent"] = Get("cv_sp_absent"),
                ["auroc"] = Get("cv_auroc"),
                ["patients"] = Get("cv_patients"),
            };
            Console.WriteLine(doc.ToJsonString());
            return 0;
        }

        Console.WriteLine($"murmur: model {manifest.Name} {manifest.Version} is a frame model trained on every CirCor patient; a CirCor split would score it on its own training data.");
        Console.WriteLine(FormattableString.Invariant(
            $"  its {Get("cv_folds"):0}-fold patient-wise cross-validation ({Get("cv_patients"):0} patients; `{manifest.Command}`): weighted accuracy {Get("cv_weighted_accuracy"):0.000} (fold sd {Get("cv_weighted_accuracy_fold_sd"):0.000}), Se(Present) {Get("cv_se_present"):0.000}, Sp(Absent) {Get("cv_sp_absent"):0.000}, AUROC {Get("cv_auroc"):0.000}"));
        Console.WriteLine("  to measure it again: heartstream-train murmur --data ../shared/data (src/Trainer; about 5 minutes)");
        return 0;
    }

    private static int RunClassification(ClassificationTask task, DirectoryInfo data, string split, FileInfo? labels, string? modelName, bool json)
    {
        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist (expected a copy of ../shared/data)");
            return 2;
        }

        string name = modelName ?? ClassificationTasks.ModelName(task);
        string? version = null;
        int at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            version = name[(at + 1)..];
            name = name[..at];
        }

        RegisteredModel registered;
        OnnxSession session;
        try
        {
            registered = new ModelRegistry(DefaultPaths.Models).Resolve(name, FeatureSettings.Default.Hash(), version);
            if (registered.Manifest.Kind == ModelManifest.FrameClassifierKind && task == ClassificationTask.Murmur)
            {
                return FrameModelFigures(registered.Manifest, json);
            }

            if (registered.Manifest.Kind != "classifier" || registered.Manifest.Classes.Count != ClassificationTasks.Classes(task).Count)
            {
                Console.Error.WriteLine($"error: model '{name}' is a {registered.Manifest.Kind} with classes [{string.Join(", ", registered.Manifest.Classes)}], not a {task} classifier");
                return 2;
            }

            session = OnnxSession.Load(registered.ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or OnnxRuntimeException)
        {
            Console.Error.WriteLine($"error: cannot load classifier '{name}': {e.Message}");
            return 2;
        }

        using OnnxSession loaded = session;
        IReadOnlyList<LabelledClip> clips;
        try
        {
            SplitPart? part = split switch { "train" => SplitPart.Train, "val" => SplitPart.Val, "test" => SplitPart.Test, _ => null };
            var cases = labels is null ? ClassifierCases.FromSplit(task, data.FullName, part) : ClassifierCases.FromCsv(task, data.FullName, labels.FullName);
            clips = ClassifierData.Load(cases, FeatureSettings.Default, labels is null ? Path.Combine(Path.GetTempPath(), "heartstream-features") : null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        ClassificationReport report = ClassificationReport.Create(
            task, clips, ClassifierEvaluation.Predict(loaded, clips, registered.Manifest.WindowFrames, registered.Manifest.HopFrames));
        if (json)
        {
            Console.WriteLine(report.ToJson());
            return 0;
        }

        string source = labels is null ? $"{split} split" : labels.Name;
        Console.WriteLine(FormattableString.Invariant($"{task} ({source}): {report.Recordings} recordings, {report.Scored} scored, model {registered.Manifest.Name} {registered.Manifest.Version}"));
        Console.WriteLine(FormattableString.Invariant($"  accuracy {report.Accuracy:0.000}"));
        if (report.Macc is double macc)
        {
            Console.WriteLine(FormattableString.Invariant($"  Se {report.Se:0.000}  Sp {report.Sp:0.000}  MAcc {macc:0.000}"));
        }

        if (report.WeightedAccuracy is double wa)
        {
            Console.WriteLine(FormattableString.Invariant($"  weighted accuracy {wa:0.000} (patients; Present 5, Unknown 3, Absent 1)"));
        }

        if (report.MacroF1 is double f1)
        {
            Console.WriteLine(FormattableString.Invariant($"  macro F1 {f1:0.000}"));
        }

        Console.WriteLine("  confusion (rows true, columns predicted): " + string.Join(", ", report.Classes));
        for (int i = 0; i < report.Classes.Count; i++)
        {
            Console.WriteLine($"    {report.Classes[i],-10} {string.Join(' ', report.Confusion[i].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(5)))}");
        }

        return 0;
    }
}
