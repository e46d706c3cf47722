using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HeartStream.Pipeline.Features;
using HeartStream.Trainer.Abnormal;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Commands;

/// <summary>
/// `heartstream-train abnormal`: leave-one-database-out evaluation of the normal/abnormal head on PhysioNet 2016: for
/// each source database, a model trained on the others scores it, because a model that learns the recording site is
/// worthless at a new hospital.
/// </summary>
public static class AbnormalCommand
{
    public static Command Create()
    {
        var defaults = new FrameTrainingOptions { CropFrames = 250 };
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per fold.", DefaultValueFactory = _ => defaults.Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var width = new Option<int>("--width") { Description = "TCN channels.", DefaultValueFactory = _ => 32 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation and crops.", DefaultValueFactory = _ => defaults.Seed };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N recordings of each database (smoke runs)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON here." };
        var circor = new Option<string>("--circor")
        {
            Description = "Also train every fold on CirCor recordings labelled by the patient's outcome: none, murmur (Present = abnormal, Absent = normal) or outcome (Abnormal / Normal). Never tested on.",
            DefaultValueFactory = _ => "none",
        };
        circor.AcceptOnlyFromAmong("none", "murmur", "outcome");
        var dropout = new Option<double>("--dropout") { Description = "Dropout in the residual blocks.", DefaultValueFactory = _ => 0.1 };
        var command = new Command("abnormal", "Leave-one-database-out evaluation of the normal/abnormal head on PhysioNet 2016 (training-a..d).")
        {
            data, epochs, steps, width, seed, limit, json, circor, dropout,
        };
        command.SetAction(parse =>
        {
            var options = defaults with { Epochs = parse.GetValue(epochs), StepsPerEpoch = parse.GetValue(steps), Seed = parse.GetValue(seed) };
            IReadOnlyList<RecordingInfo> infos = PhysioNet2016Reader.Read(parse.GetValue(data)!.FullName);
            if (parse.GetValue(limit) is int n)
            {
                infos = [.. infos.GroupBy(i => i.SubSet).SelectMany(g => g.Take(n))];
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<LabelledRecording> recordings = LabelledRecording.LoadAbnormal(infos, FeatureSettings.Default, SpectrogramSettings.Default);
            string extra = parse.GetValue(circor)!;
            IReadOnlyList<LabelledRecording> extraTraining = [];
            if (extra != "none")
            {
                IReadOnlyList<RecordingInfo> cc = CirCorReader.Read(parse.GetValue(data)!.FullName);
                cc = extra == "murmur"
                    ? [.. cc.Where(i => i.Murmur is MurmurStatus.Present or MurmurStatus.Absent).Select(i => i with { Abnormal = i.Murmur == MurmurStatus.Present })]
                    : cc;
                extraTraining = LabelledRecording.LoadAbnormal(cc, FeatureSettings.Default, SpectrogramSettings.Default);
                Console.WriteLine($"extra training data: {extraTraining.Count} CirCor recordings labelled by {extra} ({extraTraining.Count(r => r.Label == 1)} abnormal)");
            }

            string[] databases = [.. recordings.Select(r => r.Database).Distinct().Order(StringComparer.Ordinal)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loaded {recordings.Count} recordings ({recordings.Count(r => r.Label == 1)} abnormal) of {databases.Length} databases in {clock.Elapsed.TotalSeconds:0.0} s"));
            var spec = new FrameTcnSpec
            {
                InputChannels = SpectralFeatures.Channels(FeatureSettings.Default, SpectrogramSettings.Default),
                Classes = 2,
                Width = parse.GetValue(width),
                Dropout = parse.GetValue(dropout),
            };
            Console.WriteLine(spec.Describe() + "; recording logits = mean of frame logits");
            var rows = new List<(string Database, int Recordings, double Se, double Sp, double Macc, double Auroc)>();
            var pooled = new List<(int Label, double P)>();
            for (int f = 0; f < databases.Length; f++)
            {
                string held = databases[f];
                LabelledRecording[] train = [.. recordings.Where(r => r.Database != held), .. extraTraining];
                LabelledRecording[] test = [.. recordings.Where(r => r.Database == held)];
                Console.WriteLine($"held out {held}: training on {train.Length} recordings of {databases.Length - 1} databases, testing {test.Length}");
                if (!train.Any(r => r.Label == 0 && r.Frames >= options.CropFrames) || !train.Any(r => r.Label == 1 && r.Frames >= options.CropFrames))
                {
                    Console.WriteLine("  skipped: the other databases lack a class");
                    continue;
                }

                using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model = RecordingModelTrainer.Train(
                    spec, train, options with { Seed = options.Seed + f }, FeatureSettings.Default.Channels, line => Console.WriteLine("  " + line));
                (int Label, double P)[] scored = [.. test.Select(r => (r.Label, (double)RecordingModelTrainer.Probabilities(model, r, 2, options.CropFrames, FeatureSettings.Default.Channels)[1]))];
                pooled.AddRange(scored);
                (double se, double sp, double auroc) = Figures(scored);
                rows.Add((held, test.Length, se, sp, (se + sp) / 2, auroc));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {held}: Se {se:0.000}, Sp {sp:0.000}, MAcc {(se + sp) / 2:0.000}, AUROC {auroc:0.000} ({test.Count(r => r.Label == 1)} abnormal, {test.Count(r => r.Label == 0)} normal)"));
            }

            Console.WriteLine();
            Console.WriteLine("held-out database   recordings   Se      Sp      MAcc    AUROC");
            foreach (var r in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Database,-19} {r.Recordings,10}   {r.Se:0.000}   {r.Sp:0.000}   {r.Macc:0.000}   {r.Auroc:0.000}"));
            }

            (double pse, double psp, double pau) = Figures(pooled);
            double meanMacc = rows.Count == 0 ? double.NaN : rows.Average(r => r.Macc);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean over databases: MAcc {meanMacc:0.000}; pooled: Se {pse:0.000}, Sp {psp:0.000}, MAcc {(pse + psp) / 2:0.000}, AUROC {pau:0.000}; {clock.Elapsed.TotalSeconds:0} s"));
            if (parse.GetValue(json) is FileInfo file)
            {
                var doc = new
                {
                    task = "abnormal",
                    protocol = "leave-one-database-out, PhysioNet 2016 training-a..d, threshold 0.5 (balanced training)",
                    macc_mean = meanMacc,
                    se = pse,
                    sp = psp,
                    macc = (pse + psp) / 2,
                    auroc = pau,
                    databases = rows.Select(r => new { database = r.Database, recordings = r.Recordings, se = r.Se, sp = r.Sp, macc = r.Macc, auroc = r.Auroc }),
                    seconds = clock.Elapsed.TotalSeconds,
                    model = spec.Describe(),
                    options,
                };
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }

    private static (double Se, double Sp, double Auroc) Figures(IReadOnlyList<(int Label, double P)> scored)
    {
        int pos = scored.Count(s => s.Label == 1), neg = scored.Count(s => s.Label == 0);
        double se = pos == 0 ? double.NaN : (double)scored.Count(s => s.Label == 1 && s.P >= 0.5) / pos;
        double sp = neg == 0 ? double.NaN : (double)scored.Count(s => s.Label == 0 && s.P < 0.5) / neg;
        double wins = 0;
        foreach (var p in scored.Where(s => s.Label == 1))
        {
            foreach (var q in scored.Where(s => s.Label == 0))
            {
                wins += p.P > q.P ? 1 : p.P == q.P ? 0.5 : 0;
            }
        }

        return (se, sp, pos == 0 || neg == 0 ? double.NaN : wins / ((double)pos * neg));
    }
}
