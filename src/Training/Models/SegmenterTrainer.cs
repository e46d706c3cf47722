using System.Diagnostics;
using System.Globalization;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Models;

/// <summary>
/// Trains the neural segmenter: a dilated TCN (<see cref="ModelFactory.DilatedTcn"/>) on random windows of normalised
/// frames, class-weighted cross-entropy ignoring unannotated frames, AdamW with warm-up + cosine decay, gradient
/// clipping, and early stopping on the validation recordings' S1/S2 F1 after HSMM decoding of the exported model in
/// ORT (so the selected epoch is the best as served), falling back to frame accuracy when nothing is decoded.
/// The decoder reuses the baseline's durations; its state priors are the training prior the weighted loss implies
/// (frequency × weight), and its sound offset is the median timing error on the validation recordings.
/// </summary>
public static class SegmenterTrainer
{
    public static SegmenterTrainingResult Train(
        IReadOnlyList<LabelledRecording> train,
        IReadOnlyList<LabelledRecording> validation,
        SegmenterParameters baselineDecoder,
        SegmenterTrainingOptions options,
        IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(baselineDecoder);
        ArgumentNullException.ThrowIfNull(options);
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException($"need training and validation recordings, got {train.Count} and {validation.Count}");
        }

        const int states = LogisticEmissionModel.States;
        int channels = baselineDecoder.Channels;
        var clock = Stopwatch.StartNew();
        Sequential model = ModelFactory.DilatedTcn(channels, options.Channels, options.Layers, options.KernelSize, states, options.Seed, options.Dropout, options.Dilations, options.FutureFrames);
        int[] dilations = ModelFactory.Dilations(options.Layers, options.Dilations);
        (int past, int future) = ModelFactory.Context(options.KernelSize, dilations, options.FutureFrames);
        (int Past, int Future)? context = options.FutureFrames >= 0 ? (past, future) : null;
        if (context is not null && past + future >= options.WindowFrames)
        {
            throw new ArgumentException($"a receptive field of {past} past and {future} future frames leaves no frame of a {options.WindowFrames}-frame window with its whole context; use smaller dilations or a longer window");
        }

        string architecture = string.Create(
            CultureInfo.InvariantCulture,
            $"DilatedTcn(in {channels}, width {options.Channels}, layers {dilations.Length}, kernel {options.KernelSize}, dilations {string.Join(",", dilations)}, dropout {options.Dropout}, receptive field {past + 1 + future} frames: {past} past, {future} future) + softmax");

        double[] frequency = LabelFrequency(train);
        float[] weights = new float[states];
        double[] priors = new double[states];
        for (int s = 0; s < states; s++)
        {
            weights[s] = (float)Math.Pow(Math.Max(frequency[s], 1e-6), -options.ClassWeightPower);
            priors[s] = frequency[s] * weights[s];
        }

        double weightMean = weights.Average();
        for (int s = 0; s < states; s++)
        {
            weights[s] = (float)(weights[s] / weightMean);
        }

        double priorSum = priors.Sum();
        SegmenterParameters decoder = baselineDecoder with
        {
            StatePriors = [.. priors.Select(p => Math.Round(p / priorSum, 6))],
            SoundOffsetSeconds = 0,
        };

        var loss = new CrossEntropyLoss(weights, ignoreIndex: -1);
        float distill = (float)options.DistillWeight;
        if (distill is < 0 or > 1)
        {
            throw new ArgumentException($"the distillation weight must lie in 0..1, got {options.DistillWeight}");
        }

        if (distill > 0 && train.FirstOrDefault(r => r.Teacher is null) is LabelledRecording missing)
        {
            throw new ArgumentException($"distillation needs the teacher's posteriors of every training recording; {missing.Id} has none");
        }

        var softLoss = new SoftCrossEntropyLoss();
        Tensor? teacher = distill > 0 ? new Tensor(options.BatchSize, states, options.WindowFrames) : null;
        var optimizer = new AdamW(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay);
        int totalSteps = options.Epochs * options.StepsPerEpoch;
        var schedule = new WarmupCosineSchedule(options.LearningRate, Math.Min(options.WarmupSteps, totalSteps / 2), totalSteps, options.LearningRate * 0.02);
        var sampler = new WindowSampler(train, channels, options.WindowFrames, options.Seed);
        var stopping = new EarlyStopping(model, options.Patience);
        var input = new Tensor(options.BatchSize, channels, options.WindowFrames);
        var targets = new int[options.BatchSize * options.WindowFrames];
        var history = new List<SegmenterEpoch>();
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"{architecture}: {model.ParameterCount} parameters; {train.Count} training and {validation.Count} validation recordings; class weights [{string.Join(", ", weights.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))}]"));
        int step = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            for (int i = 0; i < options.StepsPerEpoch; i++, step++)
            {
                sampler.Fill(input, targets, teacher);
                model.ZeroGrad();
                Tensor logits = model.Forward(input, training: true);
                float value = loss.Compute(logits, targets);
                Tensor gradient = loss.Gradient;
                if (teacher is not null)
                {
                    float soft = softLoss.Compute(logits, teacher);
                    value = ((1 - distill) * value) + (distill * soft);
                    float[] g = gradient.Data, s = softLoss.Gradient.Data;
                    for (int k = 0; k < g.Length; k++)
                    {
                        g[k] = ((1 - distill) * g[k]) + (distill * s[k]);
                    }
                }

                lossSum += value;
                model.Backward(gradient);
                GradientClipping.ClipByGlobalNorm(model.Parameters, options.ClipNorm);
                optimizer.LearningRate = schedule.LearningRateAt(step);
                optimizer.Step();
            }

            byte[] onnx = OnnxModelExporter.Segmenter(model, channels, states).ToBytes();
            (double accuracy, double? f1, _) = SegmenterValidation.Evaluate(
                onnx, validation, decoder, options.WindowFrames, options.HopFrames, options.ValidationDecodeRecordings, options.ToleranceSeconds, channels, context);
            var record = new SegmenterEpoch(epoch, lossSum / options.StepsPerEpoch, optimizer.LearningRate, accuracy, f1, epochClock.Elapsed.TotalSeconds);
            history.Add(record);
            bool stop = stopping.Report(f1 ?? accuracy);
            progress?.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}  loss {record.TrainLoss:0.0000}  lr {record.LearningRate:0.0e0}  val frame acc {accuracy:0.0000}  val F1 {(f1 is double v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a")}  {record.Seconds:0} s{(stopping.BestIndex == epoch - 1 ? "  *best" : string.Empty)}"));
            if (stop)
            {
                progress?.Report($"early stop: no improvement for {options.Patience} epochs");
                break;
            }

            if (clock.Elapsed.TotalMinutes > options.MaxMinutes)
            {
                progress?.Report($"time budget of {options.MaxMinutes} min reached");
                break;
            }
        }

        stopping.RestoreBest();
        byte[] best = OnnxModelExporter.Segmenter(model, channels, states).ToBytes();
        (_, _, double offset) = SegmenterValidation.Evaluate(
            best, validation, decoder, options.WindowFrames, options.HopFrames, Math.Max(1, options.ValidationDecodeRecordings), options.ToleranceSeconds, channels, context);
        decoder = decoder with
        {
            SoundOffsetSeconds = Math.Round(-offset, 4),
            TrainedOn = string.Create(CultureInfo.InvariantCulture, $"neural segmenter decoder: baseline durations, priors from the weighted training labels, offset from {Math.Max(1, options.ValidationDecodeRecordings)} validation recordings"),
        };
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"best epoch {stopping.BestIndex + 1}; sound offset {-offset * 1000:0.0} ms; {clock.Elapsed.TotalSeconds:0} s"));
        return new SegmenterTrainingResult(model, decoder, history, history[stopping.BestIndex], clock.Elapsed.TotalSeconds, architecture, context?.Future, context?.Past);
    }

    private static double[] LabelFrequency(IReadOnlyList<LabelledRecording> recordings)
    {
        var counts = new double[LogisticEmissionModel.States];
        foreach (LabelledRecording r in recordings)
        {
            foreach (int l in r.Labels)
            {
                if (l >= 0)
                {
                    counts[l]++;
                }
            }
        }

        double total = counts.Sum();
        if (total == 0)
        {
            throw new ArgumentException("the training recordings have no labelled frames");
        }

        return [.. counts.Select(c => c / total)];
    }
}
