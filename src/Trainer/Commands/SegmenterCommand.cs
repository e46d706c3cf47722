using System.CommandLine;
using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Trainer.Segmenter;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using HeartStream.Training.Models;

namespace HeartStream.Trainer.Commands;

/// <summary>
/// <c>heartstream-train segmenter</c>: trains the neural segmenter on CirCor's training patients (plus copies with
/// their own diastolic noise spliced in), early-stopped on the validation patients, and writes it into the registry.
/// The defaults are segmenter-tcn's shipped run.
/// </summary>
public static class SegmenterCommand
{
    public static Command Create()
    {
        var defaults = new SegmenterTrainingOptions();
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data")) };
        var models = new Option<DirectoryInfo>("--models") { Description = "Model registry folder to write into.", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var name = new Option<string>("--name") { Description = "Model name in the registry.", DefaultValueFactory = _ => "segmenter-tcn" };
        var version = new Option<string>("--version") { Description = "Version folder to write (refused if it exists).", Required = true };
        var baseline = new Option<FileInfo>("--baseline") { Description = "Baseline segmenter parameters whose HSMM durations the decoder reuses.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", "baseline", "segmenter.json")) };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var width = new Option<int>("--width") { Description = "TCN channels.", DefaultValueFactory = _ => defaults.Channels };
        var layers = new Option<int>("--layers") { Description = "TCN layers (dilations 1, 2, 4, …).", DefaultValueFactory = _ => defaults.Layers };
        var kernel = new Option<int>("--kernel") { Description = "TCN kernel size (odd).", DefaultValueFactory = _ => defaults.KernelSize };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop after the epoch that passes this budget.", DefaultValueFactory = _ => defaults.MaxMinutes };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, dropout and window sampling.", DefaultValueFactory = _ => defaults.Seed };
        var patience = new Option<int>("--patience") { Description = "Epochs without a better validation F1 before stopping.", DefaultValueFactory = _ => defaults.Patience };
        var threads = new Option<int>("--threads") { Description = "TorchSharp threads.", DefaultValueFactory = _ => defaults.Threads };
        var valRecordings = new Option<int>("--validation-recordings") { Description = "Validation recordings decoded and scored after each epoch (the first N; -1 = all; 0 = frame accuracy only).", DefaultValueFactory = _ => defaults.ValidationDecodeRecordings };
        var cache = new Option<DirectoryInfo?>("--feature-cache") { Description = "Folder to cache computed features in (keyed by the feature-settings hash)." };
        var noSounds = new Option<double>("--no-heart-sounds-fraction")
        {
            Description = "Share of training recordings that get an extra copy with their own diastolic noise spliced in (heart sounds stop, labelled no sound); 0 = none.",
            DefaultValueFactory = _ => 0.5,
        };
        var command = new Command("segmenter", "Train the neural (TCN) segmenter on the CirCor training split with TorchSharp; early stopping on the validation split; export to ONNX.")
        {
            data, models, name, version, baseline, epochs, steps, width, layers, kernel, minutes, seed, patience, threads, valRecordings, cache, noSounds,
        };
        command.SetAction(parse =>
        {
            DirectoryInfo dir = parse.GetValue(data)!;
            string modelsRoot = parse.GetValue(models)!.FullName;
            string modelName = parse.GetValue(name)!;
            string modelVersion = parse.GetValue(version)!;
            double fraction = parse.GetValue(noSounds);
            var options = defaults with
            {
                Epochs = parse.GetValue(epochs),
                StepsPerEpoch = parse.GetValue(steps),
                Channels = parse.GetValue(width),
                Layers = parse.GetValue(layers),
                KernelSize = parse.GetValue(kernel),
                MaxMinutes = parse.GetValue(minutes),
                Seed = parse.GetValue(seed),
                Patience = parse.GetValue(patience),
                Threads = parse.GetValue(threads),
                ValidationDecodeRecordings = parse.GetValue(valRecordings),
            };
            string? problem = !dir.Exists ? $"data folder {dir.FullName} does not exist"
                : !parse.GetValue(baseline)!.Exists ? $"baseline parameters {parse.GetValue(baseline)!.FullName} do not exist"
                : Directory.Exists(Path.Combine(modelsRoot, modelName, modelVersion)) ? $"{Path.Combine(modelsRoot, modelName, modelVersion)} already exists; choose a new --version"
                : fraction is < 0 or > 1 ? $"--no-heart-sounds-fraction must lie in 0..1, got {fraction}"
                : options.KernelSize < 1 || options.KernelSize % 2 == 0 ? $"--kernel must be odd and positive, got {options.KernelSize}"
                : options.Layers is < 2 or > 12 ? $"--layers must lie in 2..12, got {options.Layers}"
                : options.Channels < 1 || options.Epochs < 1 || options.StepsPerEpoch < 1 || options.Threads < 1 ? "--width, --epochs, --steps and --threads must be positive"
                : options.ValidationDecodeRecordings < -1 ? $"--validation-recordings must be -1 (all) or more, got {options.ValidationDecodeRecordings}"
                : null;
            if (problem is not null)
            {
                Console.Error.WriteLine("error: " + problem);
                return 2;
            }

            var settings = FeatureSettings.Default;
            SegmenterParameters decoder = SegmenterParameters.Load(parse.GetValue(baseline)!.FullName);
            var started = System.Diagnostics.Stopwatch.StartNew();
            string cacheDir = parse.GetValue(cache)?.FullName ?? Path.Combine(Path.GetTempPath(), "heartstream-features");
            IReadOnlyList<SegmentationBenchmarkCase> trainCases = SegmentationCases.CirCor(dir.FullName, SplitPart.Train);
            IReadOnlyList<LabelledRecording> train = SegmenterData.Load(trainCases, settings, cacheDir);
            IReadOnlyList<LabelledRecording> val = SegmenterData.Load(SegmentationCases.CirCor(dir.FullName, SplitPart.Val), settings, cacheDir);
            IReadOnlyList<LabelledRecording> spliced = NoHeartSoundsAugmentation.Create(trainCases, settings, fraction, options.Seed);
            Console.WriteLine($"features for {train.Count} training (+{spliced.Count} with heart sounds stopping) and {val.Count} validation recordings in {started.Elapsed.TotalSeconds:0} s");
            SegmenterTrainingResult result = SegmenterTrainer.Train([.. train, .. spliced], val, decoder, options, Console.WriteLine);
            var metrics = new Dictionary<string, double>
            {
                ["val_frame_accuracy"] = Math.Round(result.Best.ValFrameAccuracy, 4),
                ["best_epoch"] = result.Best.Epoch,
                ["onnx_torchsharp_max_abs_difference"] = result.OnnxMaxDifference,
            };
            if (result.Best.ValF1 is double f1)
            {
                metrics[options.ValidationDecodeRecordings < 0 ? "val_f1_60ms" : $"val_f1_60ms_first_{options.ValidationDecodeRecordings}"] = Math.Round(f1, 4);
            }

            ModelManifest manifest = ModelPackager.SaveSegmenter(
                result, modelsRoot, modelName, modelVersion, settings,
                $"CirCor 2022 training split ({train.Count} annotated recordings, plus {spliced.Count} copies with their own diastolic noise spliced in as no-sound stretches), validation split ({val.Count}) for early stopping",
                $"PatientSplit seed {PatientSplit.DefaultSeed} (patient-wise, stratified)",
                metrics,
                "heartstream-train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                options.WindowFrames,
                options.HopFrames);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {Path.Combine(modelsRoot, modelName, modelVersion)} ({manifest.ParameterCount} parameters, {manifest.FileSizeBytes} bytes) in {started.Elapsed.TotalSeconds:0} s"));
            return 0;
        });
        return command;
    }
}
