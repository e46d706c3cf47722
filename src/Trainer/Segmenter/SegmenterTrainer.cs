using System.Diagnostics;
using System.Globalization;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Models;
using HeartStream.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Segmenter;

/// <summary>
/// Trains the neural segmenter with TorchSharp: a dilated TCN in segmenter-tcn 1.x's layout (<see cref="Spec"/>) on
/// random windows of the serving features, class-weighted cross-entropy ignoring unannotated frames, AdamW with warm-up
/// and cosine decay, gradient clipping, and early stopping on the validation recordings' S1/S2 F1 after HSMM decoding of
/// the exported model in ONNX Runtime (so the epoch kept is the best as served). The decoder reuses the baseline's
/// durations; its state priors are the training prior the weighted loss implies (frequency × weight), and its sound
/// offset is the median timing error on the validation recordings. Deterministic for a seed on one thread count.
/// </summary>
public static class SegmenterTrainer
{
    /// <summary>The network of <paramref name="options"/>: stem k×1 (dilation 1), residual layers 2, 4, …, 1×1 head.</summary>
    public static FrameTcnSpec Spec(SegmenterTrainingOptions options, int channels)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Layers < 2)
        {
            throw new ArgumentException($"the segmenter needs at least 2 layers (a stem and a residual layer), got {options.Layers}");
        }

        return new FrameTcnSpec
        {
            InputChannels = channels,
            Classes = LogisticEmissionModel.States,
            Width = options.Channels,
            Kernel = options.KernelSize,
            StemKernel = options.KernelSize,
            Dilations = [.. options.Dilations.Skip(1)],
            Dropout = options.Dropout,
        };
    }

    public static SegmenterTrainingResult Train(
        IReadOnlyList<LabelledRecording> train,
        IReadOnlyList<LabelledRecording> validation,
        SegmenterParameters baselineDecoder,
        SegmenterTrainingOptions options,
        Action<string>? log = null)
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
        FrameTcnSpec spec = Spec(options, channels);
        spec.Validate();
        if ((2 * spec.HalfReceptiveField) + 1 > 4 * options.WindowFrames)
        {
            log?.Invoke($"note: the receptive field ({(2 * spec.HalfReceptiveField) + 1} frames) is much longer than a training window ({options.WindowFrames})");
        }

        int decode = options.ValidationDecodeRecordings < 0 ? validation.Count : Math.Min(options.ValidationDecodeRecordings, validation.Count);
        var clock = Stopwatch.StartNew();
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        using nn.Module<Tensor, Tensor> model = spec.Build();
        string architecture = string.Create(CultureInfo.InvariantCulture, $"{spec.Describe()} (TorchSharp) + softmax");

        (float[] weights, double[] priors) = WeightsAndPriors(train, options.ClassWeightPower);
        SegmenterParameters decoder = baselineDecoder with { StatePriors = priors, SoundOffsetSeconds = 0 };
        using Tensor classWeights = torch.tensor(weights);
        var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        int totalSteps = options.Epochs * options.StepsPerEpoch;
        int warmup = Math.Min(options.WarmupSteps, totalSteps / 2);
        var sampler = new WindowSampler(train, channels, options.WindowFrames, options.Seed);
        int b = options.BatchSize, t = options.WindowFrames;
        var x = new float[b * channels * t];
        var y = new long[b * t];
        var history = new List<SegmenterEpoch>();
        OnnxGraphBuilder? best = null;
        float bestParity = float.NaN;
        float[] parityInput = ParityInput(validation, channels);
        int bestIndex = -1;
        double bestScore = double.NegativeInfinity;
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"{architecture}: {spec.ParameterCount} parameters; {train.Count} training and {validation.Count} validation recordings; class weights [{string.Join(", ", weights.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))}]"));
        int step = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            model.train();
            double lossSum = 0, lr = 0;
            for (int i = 0; i < options.StepsPerEpoch; i++, step++)
            {
                sampler.Fill(b, x, y);
                lr = LearningRate.WarmupCosine(options.LearningRate, warmup, step, totalSteps, options.LearningRate * options.FinalLearningRateShare);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                using (NewDisposeScope())
                {
                    Tensor input = torch.tensor(x, [b, channels, t]);
                    Tensor target = torch.tensor(y, [b, t]);
                    optimizer.zero_grad();
                    Tensor loss = nn.functional.cross_entropy(model.forward(input), target, weight: classWeights, ignore_index: -1);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), options.ClipNorm);
                    optimizer.step();
                    lossSum += loss.item<float>();
                }
            }

            model.eval();
            OnnxGraphBuilder graph = TorchOnnxExporter.FrameModel(model, channels, states, "segmenter");
            byte[] onnx = graph.ToBytes();
            float parity = OnnxParity.Check(model, onnx, parityInput, channels, states, $"epoch {epoch}");
            (double accuracy, double? f1, _) = SegmenterValidation.Evaluate(
                onnx, validation, decoder, options.WindowFrames, options.HopFrames, decode, options.ToleranceSeconds, channels);
            var record = new SegmenterEpoch(epoch, lossSum / options.StepsPerEpoch, lr, accuracy, f1, epochClock.Elapsed.TotalSeconds);
            history.Add(record);
            double score = f1 ?? accuracy;
            bool improved = score > bestScore;
            if (improved)
            {
                (bestScore, bestIndex, best, bestParity) = (score, epoch - 1, graph, parity);
            }

            log?.Invoke(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}  loss {record.TrainLoss:0.0000}  lr {record.LearningRate:0.0e0}  val frame acc {accuracy:0.0000}  val F1 {(f1 is double v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a")}  ORT-TorchSharp {parity:0.0e0}  {record.Seconds:0} s{(improved ? "  *best" : string.Empty)}"));
            if (epoch - 1 - bestIndex >= options.Patience)
            {
                log?.Invoke($"early stop: no improvement for {options.Patience} epochs");
                break;
            }

            if (clock.Elapsed.TotalMinutes > options.MaxMinutes)
            {
                log?.Invoke($"time budget of {options.MaxMinutes} min reached");
                break;
            }
        }

        int offsetRecordings = Math.Max(1, decode);
        (_, _, double offset) = SegmenterValidation.Evaluate(
            best!.ToBytes(), validation, decoder, options.WindowFrames, options.HopFrames, offsetRecordings, options.ToleranceSeconds, channels);
        decoder = decoder with
        {
            SoundOffsetSeconds = Math.Round(-offset, 4),
            TrainedOn = string.Create(CultureInfo.InvariantCulture, $"neural segmenter decoder: baseline durations, priors from the weighted training labels, offset from {offsetRecordings} validation recordings"),
        };
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"best epoch {bestIndex + 1}; sound offset {-offset * 1000:0.0} ms; {clock.Elapsed.TotalSeconds:0} s"));
        return new SegmenterTrainingResult(best, spec.ParameterCount, decoder, history, history[bestIndex], clock.Elapsed.TotalSeconds, architecture, bestParity);
    }

    /// <summary>The first validation recording's first 512 frames, channel-major (zero-padded when shorter).</summary>
    private static float[] ParityInput(IReadOnlyList<LabelledRecording> validation, int channels)
    {
        const int frames = 512;
        var input = new float[channels * frames];
        WindowSampler.CopyWindow(validation[0], 0, channels, input, new long[frames]);
        return input;
    }

    /// <summary>
    /// Class weights ∝ frequency^−power over the labelled frames (mean 1), and the state priors the weighted loss
    /// implies (frequency × weight, normalised; rounded to 6 places for the decoder file).
    /// </summary>
    public static (float[] Weights, double[] Priors) WeightsAndPriors(IReadOnlyList<LabelledRecording> recordings, double power)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        const int states = LogisticEmissionModel.States;
        var counts = new double[states];
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

        var weights = new double[states];
        var priors = new double[states];
        for (int s = 0; s < states; s++)
        {
            double frequency = counts[s] / total;
            weights[s] = Math.Pow(Math.Max(frequency, 1e-6), -power);
            priors[s] = frequency * weights[s];
        }

        double mean = weights.Average(), sum = priors.Sum();
        return ([.. weights.Select(w => (float)(w / mean))], [.. priors.Select(p => Math.Round(p / sum, 6))]);
    }
}
