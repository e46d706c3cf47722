using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HeartStream.Pipeline.Features;
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
        var command = new Command("murmur", "Cross-validates the murmur frame model (S1/systole/S2/diastole/murmur) patient-wise on CirCor and prints the figures.")
        {
            data, folds, epochs, steps, width, seed, patients, json,
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
