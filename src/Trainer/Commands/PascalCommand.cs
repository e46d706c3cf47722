using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HeartStream.Pipeline.Features;
using HeartStream.Trainer.Abnormal;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Commands;

/// <summary>
/// `heartstream-train pascal`: stratified k-fold cross-validation of the PASCAL 5-class head (normal, murmur, extra
/// heart sound, extrasystole, artifact) on the frame backbone, folds by recording (set B's patient numbers keep one
/// patient's recordings in one fold).
/// </summary>
public static class PascalCommand
{
    private static readonly string[] s_names = ["normal", "murmur", "extrahls", "extrastole", "artifact"];

    public static Command Create()
    {
        var defaults = new FrameTrainingOptions { CropFrames = 128, Epochs = 8 };
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var folds = new Option<int>("--folds") { Description = "Folds.", DefaultValueFactory = _ => 5 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per fold.", DefaultValueFactory = _ => defaults.Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var seed = new Option<int>("--seed") { Description = "Seed of folds, initialisation and crops.", DefaultValueFactory = _ => defaults.Seed };
        var dropout = new Option<double>("--dropout") { Description = "Dropout in the residual blocks.", DefaultValueFactory = _ => 0.3 };
        var power = new Option<double>("--class-power") { Description = "Draw training classes in proportion to count^P (0 = equally often, 1 = as in the data).", DefaultValueFactory = _ => 0 };
        var command = new Command("pascal", "Cross-validates the PASCAL 5-class head (record-level folds) and prints accuracy, macro F1 and the confusion matrix.")
        {
            data, folds, epochs, steps, seed, dropout, power,
        };
        command.SetAction(parse =>
        {
            var options = defaults with { Epochs = parse.GetValue(epochs), StepsPerEpoch = parse.GetValue(steps), Seed = parse.GetValue(seed) };
            int k = parse.GetValue(folds);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<LabelledRecording> recordings = LabelledRecording.Load(
                PascalReader.Read(parse.GetValue(data)!.FullName), i => i.PascalClass is PascalClass c ? (int)c : null, FeatureSettings.Default, SpectrogramSettings.Default);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loaded {recordings.Count} PASCAL recordings ({string.Join(", ", Enumerable.Range(0, 5).Select(c => $"{s_names[c]} {recordings.Count(r => r.Label == c)}"))}) in {clock.Elapsed.TotalSeconds:0.0} s; {recordings.Count(r => r.Frames < options.CropFrames)} shorter than a {options.CropFrames}-frame crop (scored, not trained on)"));
            var spec = new FrameTcnSpec
            {
                InputChannels = SpectralFeatures.Channels(FeatureSettings.Default, SpectrogramSettings.Default),
                Classes = 5,
                Width = 32,
                Dropout = parse.GetValue(dropout),
            };
            Dictionary<string, int> fold = Folds(recordings, k, options.Seed);
            var confusion = new int[5, 5];
            for (int f = 0; f < k; f++)
            {
                LabelledRecording[] train = [.. recordings.Where(r => fold[r.Info.PatientId] != f)];
                LabelledRecording[] test = [.. recordings.Where(r => fold[r.Info.PatientId] == f)];
                Console.WriteLine($"fold {f + 1}/{k}: training on {train.Length} recordings, testing {test.Length}");
                using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model = RecordingModelTrainer.Train(
                    spec, train, options with { Seed = options.Seed + f }, FeatureSettings.Default.Channels, line => Console.WriteLine("  " + line), classSamplingPower: parse.GetValue(power));
                foreach (LabelledRecording r in test)
                {
                    float[] p = RecordingModelTrainer.Probabilities(model, r, 5, options.CropFrames, FeatureSettings.Default.Channels);
                    confusion[r.Label, Array.IndexOf(p, p.Max())]++;
                }
            }

            int total = recordings.Count, correct = Enumerable.Range(0, 5).Sum(c => confusion[c, c]);
            double macroF1 = Enumerable.Range(0, 5).Average(c =>
            {
                double tp = confusion[c, c];
                double predicted = Enumerable.Range(0, 5).Sum(t => confusion[t, c]);
                double actual = Enumerable.Range(0, 5).Sum(d => confusion[c, d]);
                return tp == 0 ? 0 : 2 * tp / (predicted + actual);
            });
            Console.WriteLine();
            Console.WriteLine("truth \\ decision  " + string.Join("  ", s_names.Select(n => n.PadLeft(10))));
            for (int c = 0; c < 5; c++)
            {
                Console.WriteLine(s_names[c].PadRight(17) + string.Join("  ", Enumerable.Range(0, 5).Select(d => confusion[c, d].ToString(CultureInfo.InvariantCulture).PadLeft(10))));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{k}-fold cross-validation, {total} recordings: accuracy {(double)correct / total:0.000}, macro F1 {macroF1:0.000}; {clock.Elapsed.TotalSeconds:0} s"));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, int> Folds(IReadOnlyList<LabelledRecording> recordings, int folds, int seed)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var stratum in recordings.GroupBy(r => r.Info.PatientId).Select(g => (Key: g.Key, Label: g.First().Label)).GroupBy(p => p.Label).OrderBy(g => g.Key))
        {
            int i = 0;
            foreach (var p in stratum.OrderBy(p => BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(seed.ToString(CultureInfo.InvariantCulture) + "/" + p.Key)))).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                result[p.Key] = i++ % folds;
            }
        }

        return result;
    }
}
