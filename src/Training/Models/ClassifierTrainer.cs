using System.Diagnostics;
using System.Globalization;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Models;

/// <summary>
/// Trains a small window CNN for one <see cref="ClassificationTask"/>: Conv-BN-ReLU blocks with two ×2 poolings and
/// dilated convolutions, global average pooling over time and a linear head; class-balanced window sampling, cross-
/// entropy, AdamW with warm-up + cosine, clipping, and early stopping on the validation recordings' headline metric
/// computed as served (ORT, windows averaged per recording; murmur at patient level).
/// </summary>
public static class ClassifierTrainer
{
    /// <summary>The classifier network for <paramref name="channels"/> inputs and <paramref name="classes"/> outputs.</summary>
    public static Sequential Build(int channels, int classes, int width, double dropout, int seed)
    {
        var rng = new Random(seed);
        return new Sequential(
            new Conv1d(channels, width / 2, 7, rng, padding: Conv1d.SamePadding),
            new BatchNorm1d(width / 2),
            new Relu(),
            new MaxPool1d(),
            new Conv1d(width / 2, width, 5, rng, padding: Conv1d.SamePadding),
            new BatchNorm1d(width),
            new Relu(),
            new MaxPool1d(),
            new Conv1d(width, width, 5, rng, padding: Conv1d.SamePadding, dilation: 2),
            new BatchNorm1d(width),
            new Relu(),
            new Conv1d(width, width, 5, rng, padding: Conv1d.SamePadding, dilation: 4),
            new BatchNorm1d(width),
            new Relu(),
            new Dropout(dropout, seed + 1),
            new GlobalAvgPool1d(),
            new Linear(width, classes, rng));
    }

    public static (Sequential Model, ClassificationReport Validation, int BestEpoch, double Seconds, string Architecture) Train(
        ClassificationTask task,
        IReadOnlyList<LabelledClip> train,
        IReadOnlyList<LabelledClip> validation,
        int channels,
        ClassifierTrainingOptions options,
        IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException($"need training and validation recordings, got {train.Count} and {validation.Count}");
        }

        int classes = ClassificationTasks.Classes(task).Count;
        var clock = Stopwatch.StartNew();
        Sequential model = Build(channels, classes, options.Width, options.Dropout, options.Seed);
        string architecture = string.Create(
            CultureInfo.InvariantCulture,
            $"CNN(conv7 {options.Width / 2} > pool > conv5 {options.Width} > pool > conv5 d2 {options.Width} > conv5 d4 {options.Width}, BN+ReLU, dropout {options.Dropout}) > global average pool > linear {classes} > softmax; {options.WindowFrames}-frame windows, hop {options.HopFrames}, mean of window probabilities");
        var loss = new CrossEntropyLoss();
        var optimizer = new AdamW(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay);
        int totalSteps = options.Epochs * options.StepsPerEpoch;
        var schedule = new WarmupCosineSchedule(options.LearningRate, Math.Min(options.WarmupSteps, totalSteps / 2), totalSteps, options.LearningRate * 0.02);
        var sampler = new ClipSampler(train, classes, channels, options.WindowFrames, options.Seed);
        var stopping = new EarlyStopping(model, options.Patience);
        var input = new Tensor(options.BatchSize, channels, options.WindowFrames);
        var targets = new int[options.BatchSize];
        ClassificationReport? best = null;
        progress?.Report($"{task}: {model.ParameterCount} parameters; {train.Count} training and {validation.Count} validation recordings");
        int step = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            for (int i = 0; i < options.StepsPerEpoch; i++, step++)
            {
                sampler.Fill(input, targets);
                model.ZeroGrad();
                lossSum += loss.Compute(model.Forward(input, training: true), targets);
                model.Backward(loss.Gradient);
                GradientClipping.ClipByGlobalNorm(model.Parameters, options.ClipNorm);
                optimizer.LearningRate = schedule.LearningRateAt(step);
                optimizer.Step();
            }

            ClassificationReport report = ClassifierEvaluation.Evaluate(
                OnnxModelExporter.Classifier(model, channels, classes).ToBytes(), task, validation, options.WindowFrames, options.HopFrames);
            bool stop = stopping.Report(report.Headline);
            if (stopping.BestIndex == epoch - 1)
            {
                best = report;
            }

            progress?.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}  loss {lossSum / options.StepsPerEpoch:0.0000}  val accuracy {report.Accuracy:0.000}  val headline {report.Headline:0.000}  {epochClock.Elapsed.TotalSeconds:0} s{(stopping.BestIndex == epoch - 1 ? "  *best" : string.Empty)}"));
            if (stop || clock.Elapsed.TotalMinutes > options.MaxMinutes)
            {
                progress?.Report(stop ? $"early stop: no improvement for {options.Patience} epochs" : $"time budget of {options.MaxMinutes} min reached");
                break;
            }
        }

        stopping.RestoreBest();
        return (model, best!, stopping.BestIndex + 1, clock.Elapsed.TotalSeconds, architecture);
    }
}
