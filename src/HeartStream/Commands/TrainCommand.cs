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
/// <c>heartstream train segmenter --data DIR [--models DIR] [--version V] [--epochs N] ...</c>: trains the neural segmenter
/// on the same patients, early-stopped on the validation patients, and writes it into the model registry.
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
        return new Command("train", "Train models from labelled recordings.") { baseline, CreateSegmenter(), CreateClassifier() };
    }

    private static Command CreateSegmenter()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var models = new Option<DirectoryInfo>("--models") { Description = "Model registry folder to write into.", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var name = new Option<string>("--name") { Description = "Model name in the registry.", DefaultValueFactory = _ => DefaultPaths.SegmenterModelName };
        var version = new Option<string>("--version") { Description = "Version folder to write.", DefaultValueFactory = _ => "1.0.0" };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs.", DefaultValueFactory = _ => new SegmenterTrainingOptions().Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => new SegmenterTrainingOptions().StepsPerEpoch };
        var width = new Option<int>("--width") { Description = "TCN channels.", DefaultValueFactory = _ => new SegmenterTrainingOptions().Channels };
        var layers = new Option<int>("--layers") { Description = "TCN layers.", DefaultValueFactory = _ => new SegmenterTrainingOptions().Layers };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop after the epoch that passes this budget.", DefaultValueFactory = _ => new SegmenterTrainingOptions().MaxMinutes };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and window sampling.", DefaultValueFactory = _ => new SegmenterTrainingOptions().Seed };
        var cache = new Option<DirectoryInfo?>("--feature-cache") { Description = "Folder to cache computed features in (keyed by the feature-settings hash)." };
        var patience = new Option<int>("--patience") { Description = "Epochs without a better validation F1 before stopping.", DefaultValueFactory = _ => new SegmenterTrainingOptions().Patience };
        var noSounds = new Option<double>("--no-heart-sounds-fraction")
        {
            Description = "Share of training recordings that get an extra copy with their own diastolic noise spliced in (heart sounds stop, labelled no sound); 0 = none.",
            DefaultValueFactory = _ => 0.5,
        };
        var kernel = new Option<int>("--kernel") { Description = "TCN kernel size (odd).", DefaultValueFactory = _ => new SegmenterTrainingOptions().KernelSize };
        var dilations = new Option<string?>("--dilations") { Description = "Comma-separated dilation per layer (overrides --layers); default 1,2,4,… over --layers layers." };
        var future = new Option<int>("--future-frames")
        {
            Description = "Future frames the network may see (its look-ahead when served live, which then gives the offline posteriors exactly); -1 = centred layers.",
            DefaultValueFactory = _ => new SegmenterTrainingOptions().FutureFrames,
        };
        var teacher = new Option<string?>("--teacher")
        {
            Description = "Distil from this version of the same model in --models: its offline posteriors on every training recording become soft targets besides the labels.",
        };
        var distill = new Option<double>("--distill-weight")
        {
            Description = "With --teacher: weight of the teacher's posteriors in the loss (0..1; the labels get the rest).",
            DefaultValueFactory = _ => 0.5,
        };
        var unlabelled = new Option<string?>("--unlabelled")
        {
            Description = "With --teacher: also learn the teacher's posteriors on recordings without annotation: physionet-abnormal (PhysioNet 2016's abnormal recordings; the false-alert bench uses only its normal ones).",
        };
        unlabelled.AcceptOnlyFromAmong("physionet-abnormal");
        var command = new Command("segmenter", "Train the neural (TCN) segmenter on the CirCor training split; early stopping on the validation split.")
        {
            data, models, name, version, epochs, steps, width, layers, minutes, seed, cache, noSounds, patience, kernel, dilations, future, teacher, distill, unlabelled,
        };
        command.SetAction(parse =>
        {
            DirectoryInfo dir = parse.GetValue(data)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"error: data folder {dir.FullName} does not exist");
                return 2;
            }

            double fraction = parse.GetValue(noSounds);
            if (fraction is < 0 or > 1)
            {
                Console.Error.WriteLine($"error: --no-heart-sounds-fraction must lie in 0..1, got {fraction}");
                return 2;
            }

            int[]? dilationList = null;
            if (parse.GetValue(dilations) is string text)
            {
                string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                dilationList = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                {
                    if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out dilationList[i]) || dilationList[i] < 1)
                    {
                        Console.Error.WriteLine($"error: --dilations must be comma-separated positive integers, got '{text}'");
                        return 2;
                    }
                }

                if (parts.Length == 0)
                {
                    Console.Error.WriteLine("error: --dilations names no layer");
                    return 2;
                }
            }

            int kernelSize = parse.GetValue(kernel);
            if (kernelSize < 1 || kernelSize % 2 == 0)
            {
                Console.Error.WriteLine($"error: --kernel must be odd and positive, got {kernelSize}");
                return 2;
            }

            double distillWeight = parse.GetValue(teacher) is null ? 0 : parse.GetValue(distill);
            if (parse.GetValue(unlabelled) is not null && parse.GetValue(teacher) is null)
            {
                Console.Error.WriteLine("error: --unlabelled needs --teacher (the only targets such recordings can have)");
                return 2;
            }

            if (distillWeight is < 0 or > 1)
            {
                Console.Error.WriteLine($"error: --distill-weight must lie in 0..1, got {distillWeight}");
                return 2;
            }

            if (parse.GetValue(future) < -1)
            {
                Console.Error.WriteLine($"error: --future-frames must be -1 (centred) or at least 0, got {parse.GetValue(future)}");
                return 2;
            }

            var options = new SegmenterTrainingOptions
            {
                KernelSize = kernelSize,
                Dilations = dilationList,
                FutureFrames = parse.GetValue(future),
                Epochs = parse.GetValue(epochs),
                StepsPerEpoch = parse.GetValue(steps),
                Channels = parse.GetValue(width),
                Layers = parse.GetValue(layers),
                MaxMinutes = parse.GetValue(minutes),
                Seed = parse.GetValue(seed),
                Patience = parse.GetValue(patience),
                DistillWeight = distillWeight,
            };
            var log = new SynchronousProgress();
            var settings = FeatureSettings.Default;
            SegmenterParameters baseline = SegmenterParameters.Load(DefaultPaths.BaselineParameters);
            var started = System.Diagnostics.Stopwatch.StartNew();
            string cacheDir = parse.GetValue(cache)?.FullName ?? Path.Combine(Path.GetTempPath(), "heartstream-features");
            IReadOnlyList<SegmentationBenchmarkCase> trainCases = SegmentationCases.CirCor(dir.FullName, SplitPart.Train);
            IReadOnlyList<LabelledRecording> train = SegmenterData.Load(trainCases, settings, cacheDir);
            IReadOnlyList<LabelledRecording> val = SegmenterData.Load(SegmentationCases.CirCor(dir.FullName, SplitPart.Val), settings, cacheDir);
            IReadOnlyList<LabelledRecording> spliced = NoHeartSoundsAugmentation.Create(trainCases, settings, fraction, options.Seed);
            Console.Error.WriteLine($"features for {train.Count} training (+{spliced.Count} with heart sounds stopping) and {val.Count} validation recordings in {started.Elapsed.TotalSeconds:0} s");
            IReadOnlyList<LabelledRecording> all = [.. train, .. spliced];
            string? teacherVersion = parse.GetValue(teacher);
            if (teacherVersion is not null)
            {
                RegisteredModel registered;
                try
                {
                    registered = new ModelRegistry(parse.GetValue(models)!.FullName).Resolve(parse.GetValue(name)!, settings.Hash(), teacherVersion);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
                {
                    Console.Error.WriteLine($"error: --teacher {teacherVersion}: {e.Message}");
                    return 2;
                }

                if (parse.GetValue(unlabelled) is not null)
                {
                    IReadOnlyList<LabelledRecording> extra = SegmenterData.Unlabelled([.. PhysioNet2016Reader.Read(dir.FullName).Where(r => r.Abnormal == true)], settings, cacheDir);
                    Console.Error.WriteLine($"unlabelled: {extra.Count} PhysioNet 2016 abnormal recordings ({extra.Sum(r => r.Frames) / settings.FrameRate / 3600:0.0} h)");
                    all = [.. all, .. extra];
                }

                all = TeacherPosteriors(registered, all, settings.Channels);
                Console.Error.WriteLine($"teacher {registered.Manifest.Name} {registered.Manifest.Version}: posteriors of {all.Count} training recordings, distillation weight {distillWeight:0.##}");
            }

            SegmenterTrainingResult result = SegmenterTrainer.Train(all, val, baseline, options, log);
            var metrics = new Dictionary<string, double>
            {
                ["val_frame_accuracy"] = Math.Round(result.Best.ValFrameAccuracy, 4),
                ["best_epoch"] = result.Best.Epoch,
            };
            if (result.Best.ValF1 is double f1)
            {
                metrics[$"val_f1_60ms_first_{options.ValidationDecodeRecordings}"] = Math.Round(f1, 4);
            }

            string modelsRoot = parse.GetValue(models)!.FullName;
            string modelName = parse.GetValue(name)!;
            string modelVersion = parse.GetValue(version)!;
            ModelManifest manifest = ModelPackager.SaveSegmenter(
                result, modelsRoot, modelName, modelVersion, settings,
                $"CirCor 2022 training split ({train.Count} annotated recordings, plus {spliced.Count} copies with their own diastolic noise spliced in as no-sound stretches), validation split ({val.Count}) for early stopping",
                $"PatientSplit seed {PatientSplit.DefaultSeed} (patient-wise, stratified)",
                metrics,
                "heartstream " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                options.WindowFrames,
                options.HopFrames);
            Console.WriteLine($"wrote {Path.Combine(modelsRoot, modelName, modelVersion)} ({manifest.ParameterCount} parameters, {manifest.FileSizeBytes} bytes) in {started.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return command;
    }

    /// <summary>The teacher's offline posteriors (as <c>analyze</c> computes them) attached to each recording.</summary>
    private static LabelledRecording[] TeacherPosteriors(RegisteredModel model, IReadOnlyList<LabelledRecording> recordings, int channels)
    {
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(model);
        var result = new LabelledRecording[recordings.Count];
        Parallel.For(
            0,
            recordings.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            segmenter.CreateEmissionModel,
            (i, _, emissions) =>
            {
                LabelledRecording r = recordings[i];
                var posteriors = new float[r.Frames * LogisticEmissionModel.States];
                if (r.Frames > 0)
                {
                    emissions.Predict(r.Features.AsSpan(0, r.Frames * channels), posteriors);
                }

                result[i] = r with { Teacher = posteriors };
                return emissions;
            },
            emissions => emissions.Dispose());
        return result;
    }

    private static Command CreateClassifier()
    {
        var task = new Option<string>("--task") { Description = "abnormal (PhysioNet 2016), murmur (CirCor) or pascal.", Required = true };
        task.AcceptOnlyFromAmong("abnormal", "murmur", "pascal");
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder laid out like ../shared/data.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var models = new Option<DirectoryInfo>("--models") { Description = "Model registry folder to write into.", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var version = new Option<string>("--version") { Description = "Version folder to write.", DefaultValueFactory = _ => "1.0.0" };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs.", DefaultValueFactory = _ => new ClassifierTrainingOptions().Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per epoch.", DefaultValueFactory = _ => new ClassifierTrainingOptions().StepsPerEpoch };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop after the epoch that passes this budget.", DefaultValueFactory = _ => new ClassifierTrainingOptions().MaxMinutes };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and window sampling.", DefaultValueFactory = _ => new ClassifierTrainingOptions().Seed };
        var cache = new Option<DirectoryInfo?>("--feature-cache") { Description = "Folder to cache computed features in (keyed by the feature-settings hash)." };
        var command = new Command("classifier", "Train a window classifier on the training split of its data set; early stopping on the validation split.")
        {
            task, data, models, version, epochs, steps, minutes, seed, cache,
        };
        command.SetAction(parse =>
        {
            DirectoryInfo dir = parse.GetValue(data)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"error: data folder {dir.FullName} does not exist");
                return 2;
            }

            ClassificationTask which = Enum.Parse<ClassificationTask>(parse.GetValue(task)!, ignoreCase: true);
            var options = new ClassifierTrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                StepsPerEpoch = parse.GetValue(steps),
                MaxMinutes = parse.GetValue(minutes),
                Seed = parse.GetValue(seed),
            };
            var settings = FeatureSettings.Default;
            var started = System.Diagnostics.Stopwatch.StartNew();
            string cacheDir = parse.GetValue(cache)?.FullName ?? Path.Combine(Path.GetTempPath(), "heartstream-features");
            IReadOnlyList<LabelledClip> train = ClassifierData.Load(ClassifierCases.FromSplit(which, dir.FullName, SplitPart.Train), settings, cacheDir);
            IReadOnlyList<LabelledClip> val = ClassifierData.Load(ClassifierCases.FromSplit(which, dir.FullName, SplitPart.Val), settings, cacheDir);
            Console.Error.WriteLine($"features for {train.Count} training and {val.Count} validation recordings in {started.Elapsed.TotalSeconds:0} s");
            var result = ClassifierTrainer.Train(which, train, val, settings.Channels, options, new SynchronousProgress());
            var metrics = new Dictionary<string, double>
            {
                ["val_accuracy"] = Math.Round(result.Validation.Accuracy, 4),
                ["val_headline"] = Math.Round(result.Validation.Headline, 4),
                ["best_epoch"] = result.BestEpoch,
            };
            ModelManifest manifest = ModelPackager.SaveClassifier(
                result.Model, which, parse.GetValue(models)!.FullName, parse.GetValue(version)!, settings, result.Architecture, result.Seconds,
                $"{which} task: {train.Count} training recordings, {val.Count} validation recordings for early stopping",
                $"PatientSplit seed {PatientSplit.DefaultSeed} (patient-wise, stratified 70/15/15)",
                metrics,
                "heartstream " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                options.WindowFrames,
                options.HopFrames);
            Console.WriteLine($"wrote {manifest.Name} {manifest.Version} ({manifest.ParameterCount} parameters, {manifest.FileSizeBytes} bytes); validation {result.Validation.Task} headline {result.Validation.Headline:0.000}, in {started.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return command;
    }
}
