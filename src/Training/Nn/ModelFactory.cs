namespace HeartStream.Training.Nn;

/// <summary>
/// The two model shapes the trainer uses, built from a seed so a run is reproducible: a dilated TCN and a small
/// 1-D U-Net, both NCW in, per-frame logits [N, classes, W] out. Only exportable layers are used.
/// </summary>
public static class ModelFactory
{
    /// <summary>
    /// Conv(k, dilation 2^i, same padding by default) → BN → ReLU, repeated <paramref name="layers"/> times (layers after
    /// the first wrapped in a residual add), then a 1×1 conv head. Receptive field 1 + (k−1)·Σ dilations frames
    /// (<see cref="Context"/>).
    /// </summary>
    /// <param name="dilations">One dilation per layer instead of 1, 2, 4, …; its length is the depth.</param>
    /// <param name="futureFrames">
    /// -1: every layer is centred (symmetric padding: the receptive field reaches as far into the future as into the
    /// past). 0 or more: the network sees at most this many future frames (<see cref="FuturePaddings"/>), so it can be
    /// served live with that look-ahead and give the same posteriors as over a whole recording.
    /// </param>
    public static Sequential DilatedTcn(
        int inChannels, int channels, int layers, int kernelSize, int classes, int seed, double dropout = 0,
        IReadOnlyList<int>? dilations = null, int futureFrames = -1)
    {
        int[] dilation = Dilations(layers, dilations);
        int[] right = FuturePaddings(kernelSize, dilation, futureFrames);
        var rng = new Random(seed);
        var list = new List<ILayer>();
        for (int i = 0; i < dilation.Length; i++)
        {
            int span = dilation[i] * (kernelSize - 1);
            var block = new List<ILayer>
            {
                new Conv1d(i == 0 ? inChannels : channels, channels, kernelSize, rng, padding: span - right[i], dilation: dilation[i], paddingRight: right[i]),
                new BatchNorm1d(channels),
                new Relu(),
            };
            if (dropout > 0)
            {
                block.Add(new Dropout(dropout, seed + 1 + i));
            }

            list.Add(i == 0 ? new Sequential([.. block]) : new ResidualAdd(new Sequential([.. block])));
        }

        list.Add(new Conv1d(channels, classes, 1, rng));
        return new Sequential([.. list]);
    }

    /// <summary><paramref name="dilations"/> checked (positive), or 1, 2, 4, … for <paramref name="layers"/> layers when null.</summary>
    public static int[] Dilations(int layers, IReadOnlyList<int>? dilations)
    {
        if (dilations is null)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
            return [.. Enumerable.Range(0, layers).Select(i => 1 << i)];
        }

        if (dilations.Count == 0 || dilations.Any(d => d < 1))
        {
            throw new ArgumentException($"dilations must be one positive number per layer, got [{string.Join(", ", dilations)}]", nameof(dilations));
        }

        return [.. dilations];
    }

    /// <summary>
    /// Right (future) padding per layer of a TCN with odd <paramref name="kernelSize"/>: centred layers
    /// (dilation·(k−1)/2 each side) while the future budget lasts, taken in layer order, the remainder of the budget in
    /// the next layer, and causal layers (all padding on the left) after that; -1 = every layer centred. The sum is the
    /// network's look-ahead in frames.
    /// </summary>
    public static int[] FuturePaddings(int kernelSize, IReadOnlyList<int> dilations, int futureFrames)
    {
        ArgumentNullException.ThrowIfNull(dilations);
        if (kernelSize % 2 == 0)
        {
            throw new ArgumentException($"the TCN needs an odd kernel, got {kernelSize}", nameof(kernelSize));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(futureFrames, -1);
        var right = new int[dilations.Count];
        int budget = futureFrames < 0 ? int.MaxValue : futureFrames;
        for (int i = 0; i < right.Length; i++)
        {
            right[i] = Math.Min(dilations[i] * (kernelSize - 1) / 2, budget);
            budget -= right[i];
        }

        return right;
    }

    /// <summary>Past and future frames an output frame of the TCN depends on (its receptive field is past + 1 + future).</summary>
    public static (int Past, int Future) Context(int kernelSize, IReadOnlyList<int> dilations, int futureFrames)
    {
        int[] right = FuturePaddings(kernelSize, dilations, futureFrames);
        int span = dilations.Sum(d => d * (kernelSize - 1));
        int future = right.Sum();
        return (span - future, future);
    }

    /// <summary>
    /// A U-Net of the given depth: Conv-BN-ReLU blocks, MaxPool ×2 down, nearest Upsample ×2 up, channel
    /// concatenation skips, channels doubling per level; the frame count must be divisible by 2^depth.
    /// </summary>
    public static Sequential UNet1d(int inChannels, int baseChannels, int depth, int kernelSize, int classes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        var rng = new Random(seed);
        ILayer level = Level(baseChannels, depth, kernelSize, rng);
        return new Sequential(
            Block(inChannels, baseChannels, kernelSize, rng),
            new ConcatSkip(level),
            Block(baseChannels + (2 * baseChannels), baseChannels, kernelSize, rng),
            new Conv1d(baseChannels, classes, 1, rng));
    }

    private static Sequential Level(int channels, int remaining, int kernelSize, Random rng)
    {
        // Input has `channels`; output has 2*channels at the same length.
        int inner = 2 * channels;
        if (remaining == 1)
        {
            return new Sequential(new MaxPool1d(), Block(channels, inner, kernelSize, rng), new Upsample1d());
        }

        return new Sequential(
            new MaxPool1d(),
            Block(channels, inner, kernelSize, rng),
            new ConcatSkip(Level(inner, remaining - 1, kernelSize, rng)),
            Block(inner + (2 * inner), inner, kernelSize, rng),
            new Upsample1d());
    }

    private static Sequential Block(int inChannels, int outChannels, int kernelSize, Random rng) => new(
        new Conv1d(inChannels, outChannels, kernelSize, rng, padding: Conv1d.SamePadding),
        new BatchNorm1d(outChannels),
        new Relu());
}
