using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Commands;

/// <summary>`heartstream-train murmur`: patient-wise cross-validation of the murmur frame model on CirCor.</summary>
public static class MurmurCommand
{
    public static Command Create()
    {
        var defaults = new FrameTrainingOptions();
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var folds = new Option<int>("--folds") { Description = "Patient-wise folds.", DefaultValueFactory = _ => 5 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per fold.", DefaultValueFactory = _ => defaults.Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var width = new Option<int>("--width") { Description = "TCN channels.", DefaultValueFactory = _ => 32 };
        var seed = new Option<int>("--seed") { Description = "Seed of folds, initialisation and crops.", DefaultValueFactory = _ => defaults.Seed };
        var patients = new Option<int?>("--patients") { Description = "Use only the first N patients (hash order; for smoke runs)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON here." };
        var ship = new Option<DirectoryInfo?>("--ship") { Description = "After the cross-validation, train the model on every labelled patient and write it with the out-of-fold decision rule into this model registry (e.g. models)." };
        var name = new Option<string>("--name") { Description = "Registry name of the shipped model.", DefaultValueFactory = _ => "classifier-murmur" };
        var version = new Option<string>("--version") { Description = "Version of the shipped model.", DefaultValueFactory = _ => "2.0.0" };
        var scores = new Option<FileInfo?>("--scores") { Description = "Also write every recording's out-of-fold score and mean posteriors as TSV here." };
        var command = new Command("murmur", "Cross-validates the murmur frame model (S1/systole/S2/diastole/murmur) patient-wise on CirCor and prints the figures.")
        {
            data, folds, epochs, steps, width, seed, patients, json, scores, ship, name, version,
        };
        command.SetAction(parse =>
        {
            var options = defaults with { Epochs = parse.GetValue(epochs), StepsPerEpoch = parse.GetValue(steps), Seed = parse.GetValue(seed) };
            IReadOnlyList<RecordingInfo> infos = CirCorReader.Read(parse.GetValue(data)!.FullName);
            int? limit = parse.GetValue(patients);
            if (limit is int n)
            {
                HashSet<string> keep = [.. infos.Select(i => i.PatientId).Distinct().OrderBy(p => p, StringComparer.Ordinal).Take(n)];
                infos = [.. infos.Where(i => keep.Contains(i.PatientId))];
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<MurmurRecording> recordings = MurmurRecording.LoadAll(infos, FeatureSettings.Default, SpectrogramSettings.Default);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loaded {recordings.Count} recordings of {recordings.Select(r => r.PatientKey).Distinct().Count()} patients in {clock.Elapsed.TotalSeconds:0.0} s; {recordings.Count(r => r.Labels is null)} without segmentation; {recordings.Sum(r => r.MurmurFrames)} murmur frames"));
            var spec = new FrameTcnSpec
            {
                InputChannels = SpectralFeatures.Channels(FeatureSettings.Default, SpectrogramSettings.Default),
                Classes = MurmurFrameLabels.Classes,
                Width = parse.GetValue(width),
            };
            Console.WriteLine(spec.Describe());
            MurmurCvResult cv = MurmurCrossValidation.Run(recordings, spec, options, parse.GetValue(folds), FeatureSettings.Default.Channels, Console.WriteLine);
            for (int k = 0; k < cv.FoldFigures.Count; k++)
            {
                Console.WriteLine($"fold {k + 1}: {cv.FoldFigures[k]}; thresholds {cv.FoldThresholds[k]}");
            }

            double[] wa = [.. cv.FoldFigures.Select(f => f.WeightedAccuracy)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"weighted accuracy over folds: mean {wa.Average():0.000}, sd {Sd(wa):0.000}"));
            Console.WriteLine($"pooled out-of-fold: {cv.Pooled}");
            Console.WriteLine($"confusion [truth Present/Absent/Unknown x decision Present/Absent/Unknown]: {Confusion(cv.Pooled.Confusion)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cross-validation took {cv.Seconds:0} s"));
            if (parse.GetValue(scores) is FileInfo tsv)
            {
                using var w = new StreamWriter(tsv.FullName);
                w.WriteLine("recording\tpatient\ttruth\theard\tfold\tframes\tscore\tconfidence\t" + string.Join('\t', MurmurFrameLabels.Names.Select(n => "mean_" + n)));
                foreach (RecordingDiagnostics d in cv.Recordings)
                {
                    w.WriteLine(string.Join('\t', [d.Recording, d.Patient, d.Truth.ToString(), d.HeardHere?.ToString() ?? "", d.Fold.ToString(CultureInfo.InvariantCulture),
                        d.Frames.ToString(CultureInfo.InvariantCulture), d.Score.ToString("R", CultureInfo.InvariantCulture), d.Confidence.ToString("R", CultureInfo.InvariantCulture),
                        .. d.MeanPosteriors.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]));
                }
            }

            MurmurRule rule = MurmurModelPackager.Rule(cv, options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"decision rule on all out-of-fold scores: {cv.AllOutOfFold}; calibration logit P = {rule.CalibrationSlope:0.000} logit(score) + {rule.CalibrationIntercept:0.000} at prevalence {rule.TrainingPrevalence:0.000}, served at {rule.PopulationPrevalence:0.00}; cannot tell below {rule.MinHeardSeconds:0} s or confidence {rule.MinConfidence:0.00} ({cv.Recordings.Count(r => r.Frames / 50.0 < rule.MinHeardSeconds || r.Confidence < rule.MinConfidence)} of {cv.Recordings.Count} recordings)"));
            if (parse.GetValue(ship) is DirectoryInfo registry)
            {
                MurmurRecording[] all = [.. recordings.Where(r => r.Info.Murmur != MurmurStatus.Unknown)];
                Console.WriteLine($"training the shipped model on {all.Length} recordings of {all.Select(r => r.PatientKey).Distinct().Count()} patients");
                var trainClock = System.Diagnostics.Stopwatch.StartNew();
                using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> final = FrameModelTrainer.Train(
                    spec, all, options with { Seed = options.Seed + cv.FoldFigures.Count }, FeatureSettings.Default.Channels, line => Console.WriteLine("  " + line));
                var metrics = new Dictionary<string, double>
                {
                    ["cv_folds"] = cv.FoldFigures.Count,
                    ["cv_weighted_accuracy"] = Math.Round(cv.Pooled.WeightedAccuracy, 4),
                    ["cv_weighted_accuracy_fold_sd"] = Math.Round(Sd(wa), 4),
                    ["cv_se_present"] = Math.Round(cv.Pooled.SePresent, 4),
                    ["cv_sp_absent"] = Math.Round(cv.Pooled.SpAbsent, 4),
                    ["cv_auroc"] = Math.Round(cv.Pooled.Auroc, 4),
                    ["cv_patients"] = cv.Pooled.Patients,
                };
                ModelManifest manifest = MurmurModelPackager.Save(
                    final, spec, rule, registry.FullName, parse.GetValue(name)!, parse.GetValue(version)!, options.CropFrames,
                    FeatureSettings.Default, SpectrogramSettings.Default,
                    $"CirCor 2022: {all.Length} recordings of {all.Select(r => r.PatientKey).Distinct().Count()} Present/Absent patients (Unknown patients have no murmur labels)",
                    $"decision rule from {cv.FoldFigures.Count}-fold patient-wise stratified cross-validation (seed {options.Seed}), out-of-fold scores only",
                    cv.Seconds + trainClock.Elapsed.TotalSeconds,
                    metrics,
                    "heartstream-train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
                Console.WriteLine($"shipped {manifest.Name} {manifest.Version} ({manifest.ParameterCount} parameters, {manifest.FileSizeBytes} bytes) to {Path.Combine(registry.FullName, manifest.Name, manifest.Version)}");
            }

            if (parse.GetValue(json) is FileInfo file)
            {
                var doc = new
                {
                    task = "murmur",
                    folds = cv.FoldFigures.Count,
                    weighted_accuracy = cv.Pooled.WeightedAccuracy,
                    weighted_accuracy_fold_mean = wa.Average(),
                    weighted_accuracy_fold_sd = Sd(wa),
                    se_present = cv.Pooled.SePresent,
                    sp_absent = cv.Pooled.SpAbsent,
                    auroc = cv.Pooled.Auroc,
                    patients = cv.Pooled.Patients,
                    seconds = cv.Seconds,
                    model = spec.Describe(),
                    options,
                };
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }

    private static double Sd(double[] v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / Math.Max(1, v.Length - 1));
    }

    private static string Confusion(int[,] m)
    {
        var rows = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            rows.Add($"{m[i, 0]}/{m[i, 1]}/{m[i, 2]}");
        }

        return string.Join("; ", rows);
    }
}
