using System.Diagnostics;
using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Trainer.Murmur;
using HeartStream.Trainer.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Abnormal;

/// <summary>
/// Trains a recording-level head on the frame backbone (<see cref="FrameTcnSpec"/>, classes = recording classes):
/// the window's logits are the mean over time of the per-frame logits (a 1x1 head commutes with the mean, so this is a
/// global average pool followed by a linear layer), trained with cross-entropy on random crops whose classes are
/// drawn equally often by default (so the model's prior is even and 0.5 is its balanced threshold; a class sampling power
/// p draws classes in proportion to count^p instead). AdamW, warm-up + cosine,
/// clipping as <see cref="FrameModelTrainer"/>. Deterministic for a seed on one thread count.
/// </summary>
public static class RecordingModelTrainer
{
    public static nn.Module<Tensor, Tensor> Train(
        FrameTcnSpec spec,
        IReadOnlyList<LabelledRecording> recordings,
        FrameTrainingOptions options,
        int firstSpectral,
        Action<string>? log = null,
        Func<nn.Module<Tensor, Tensor>, int, string?>? afterEpoch = null,
        double classSamplingPower = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(options);
        LabelledRecording[][] byClass = [.. Enumerable.Range(0, spec.Classes).Select(k => recordings.Where(r => r.Label == k && r.Frames >= options.CropFrames).ToArray())];
        if (byClass.Any(c => c.Length == 0))
        {
            throw new ArgumentException($"Every class needs a recording of at least {options.CropFrames} frames.", nameof(recordings));
        }

        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        var model = spec.Build();
        var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var random = new Random(options.Seed);
        int c = spec.InputChannels, t = options.CropFrames, b = options.BatchSize;
        var x = new float[b * c * t];
        var y = new long[b];
        long[][] lengths = [.. byClass.Select(cls => cls.Select(r => (long)r.Frames).ToArray())];
        long[] totals = [.. lengths.Select(l => l.Sum())];
        double[] classWeight = [.. byClass.Select(cls => Math.Pow(cls.Length, classSamplingPower))];
        double weightSum = classWeight.Sum();
        int totalSteps = options.Epochs * options.StepsPerEpoch;
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
                    int k = PickClass(random, classWeight, weightSum);
                    LabelledRecording r = byClass[k][FrameModelTrainer.PickByLength(random, lengths[k], totals[k])];
                    int start = random.Next(r.Frames - t + 1);
                    Span<float> crop = x.AsSpan(i * c * t, c * t);
                    for (int ch = 0; ch < c; ch++)
                    {
                        r.Features.AsSpan((ch * r.Frames) + start, t).CopyTo(crop.Slice(ch * t, t));
                    }

                    SpectralFeatures.NormalizeWindow(crop, c, t, firstSpectral);
                    y[i] = k;
                }

                double lr = FrameModelTrainer.Schedule(options, step, totalSteps);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                using (NewDisposeScope())
                {
                    optimizer.zero_grad();
                    Tensor logits = model.forward(torch.tensor(x, [b, c, t])).mean([2]);
                    Tensor loss = nn.functional.cross_entropy(logits, torch.tensor(y, [b]));
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), options.ClipNorm);
                    optimizer.step();
                    lossSum += loss.item<float>();
                }
            }

            string? validation = afterEpoch?.Invoke(model, epoch);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}: loss {lossSum / options.StepsPerEpoch:0.0000}, lr {FrameModelTrainer.Schedule(options, step, totalSteps):0.00e0}, {clock.Elapsed.TotalSeconds:0} s{(validation is null ? string.Empty : ", " + validation)}"));
        }

        model.eval();
        return model;
    }

    /// <summary>
    /// A recording's class probabilities as served: windows of <paramref name="window"/> frames every half window
    /// (the last aligned to the end; a shorter recording runs at its own length), each window's spectral bins z-scored,
    /// softmax of the window's mean logits, averaged over windows.
    /// </summary>
    public static float[] Probabilities(nn.Module<Tensor, Tensor> model, LabelledRecording recording, int classes, int window, int firstSpectral)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(recording);
        int frames = recording.Frames, c = recording.Channels;
        int w = Math.Min(window, frames);
        int[] starts = SpectralFeatures.WindowStarts(frames, window);
        float[] x = SpectralFeatures.Windows(recording.Features, c, frames, starts, w, firstSpectral);

        model.eval();
        using (no_grad())
        using (NewDisposeScope())
        {
            Tensor p = nn.functional.softmax(model.forward(torch.tensor(x, [starts.Length, c, w])).mean([2]), 1).mean([0]);
            float[] result = p.contiguous().data<float>().ToArray();
            return result.Length == classes ? result : throw new InvalidOperationException($"model gave {result.Length} classes, expected {classes}");
        }
    }

    private static int PickClass(Random random, double[] weights, double total)
    {
        double u = random.NextDouble() * total;
        for (int k = 0; k < weights.Length; k++)
        {
            if (u < weights[k])
            {
                return k;
            }

            u -= weights[k];
        }

        return weights.Length - 1;
    }
}
