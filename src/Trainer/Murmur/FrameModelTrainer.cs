using System.Diagnostics;
using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Trainer.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// Trains a per-frame model with TorchSharp: seeded random crops of labelled recordings (each crop's spectral bins
/// z-scored as a serving window is), class-weighted cross-entropy that ignores unannotated frames, AdamW with linear
/// warm-up and cosine decay, gradient clipping. Deterministic for a seed on one thread count.
/// </summary>
public static class FrameModelTrainer
{
    public static nn.Module<Tensor, Tensor> Train(
        FrameTcnSpec spec,
        IReadOnlyList<MurmurRecording> recordings,
        FrameTrainingOptions options,
        int firstSpectral,
        Action<string>? log = null,
        Func<nn.Module<Tensor, Tensor>, int, string?>? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(options);
        MurmurRecording[] usable = [.. recordings.Where(r => r.Labels is not null && r.Frames >= options.CropFrames)];
        if (usable.Length == 0)
        {
            throw new ArgumentException($"No labelled recording of at least {options.CropFrames} frames to train on.", nameof(recordings));
        }

        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        var model = spec.Build();
        float[] weights = ClassWeights(usable, spec.Classes, options.ClassWeightPower);
        using Tensor classWeights = torch.tensor(weights);
        var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var random = new Random(options.Seed);
        int c = spec.InputChannels, t = options.CropFrames, b = options.BatchSize;
        var x = new float[b * c * t];
        var y = new long[b * t];
        int totalSteps = options.Epochs * options.StepsPerEpoch;
        long[] lengths = [.. usable.Select(r => (long)r.Frames)];
        long totalFrames = lengths.Sum();
        int step = 0;
        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            model.train();
            double lossSum = 0;
            for (int s = 0; s < options.StepsPerEpoch; s++, step++)
            {
                for (int i = 0; i < b; i++)
                {
                    MurmurRecording r = usable[PickByLength(random, lengths, totalFrames)];
                    int start = random.Next(r.Frames - t + 1);
                    Span<float> crop = x.AsSpan(i * c * t, c * t);
                    for (int ch = 0; ch < c; ch++)
                    {
                        r.Features.AsSpan((ch * r.Frames) + start, t).CopyTo(crop.Slice(ch * t, t));
                    }

                    SpectralFeatures.NormalizeWindow(crop, c, t, firstSpectral);
                    for (int k = 0; k < t; k++)
                    {
                        y[(i * t) + k] = r.Labels![start + k];
                    }
                }

                double lr = Schedule(options, step, totalSteps);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                using (NewDisposeScope())
                {
                    Tensor input = torch.tensor(x, [b, c, t]);
                    Tensor target = torch.tensor(y, [b, t]);
                    optimizer.zero_grad();
                    Tensor loss = nn.functional.cross_entropy(model.forward(input), target, weight: classWeights, ignore_index: -1);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), options.ClipNorm);
                    optimizer.step();
                    lossSum += loss.item<float>();
                }
            }

            string? validation = afterEpoch?.Invoke(model, epoch);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}: loss {lossSum / options.StepsPerEpoch:0.0000}, lr {Schedule(options, step, totalSteps):0.00e0}, {clock.Elapsed.TotalSeconds:0} s{(validation is null ? string.Empty : ", " + validation)}"));
        }

        model.eval();
        return model;
    }

    /// <summary>Linear warm-up to the learning rate, then cosine decay to zero.</summary>
    public static double Schedule(FrameTrainingOptions options, int step, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        return LearningRate.WarmupCosine(options.LearningRate, options.WarmupSteps, step, totalSteps);
    }

    /// <summary>frequency^-power per class over the labelled frames, normalised to a mean of 1 over present classes.</summary>
    public static float[] ClassWeights(IReadOnlyList<MurmurRecording> recordings, int classes, double power)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        var counts = new double[classes];
        foreach (MurmurRecording r in recordings)
        {
            foreach (sbyte l in r.Labels ?? [])
            {
                if (l >= 0 && l < classes)
                {
                    counts[l]++;
                }
            }
        }

        double total = counts.Sum();
        var w = new double[classes];
        int present = 0;
        for (int k = 0; k < classes; k++)
        {
            if (counts[k] > 0)
            {
                w[k] = Math.Pow(counts[k] / total, -power);
                present++;
            }
        }

        double mean = w.Sum() / Math.Max(1, present);
        return [.. w.Select(v => (float)(v / mean))];
    }

    /// <summary>An index drawn with probability proportional to its length (frames), from a seeded generator.</summary>
    internal static int PickByLength(Random random, long[] lengths, long total)
    {
        long u = random.NextInt64(total);
        for (int i = 0; i < lengths.Length; i++)
        {
            if (u < lengths[i])
            {
                return i;
            }

            u -= lengths[i];
        }

        return lengths.Length - 1;
    }
}
