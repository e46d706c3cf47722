namespace HeartStream.Training.Nn;

/// <summary>
/// The two model shapes the trainer uses, built from a seed so a run is reproducible: a dilated TCN and a small
/// 1-D U-Net, both NCW in, per-frame logits [N, classes, W] out. Only exportable layers are used.
/// </summary>
public static class ModelFactory
{
    /// <summary>
    /// Conv(k, dilation 2^i, same padding) → BN → ReLU, repeated <paramref name="layers"/> times (layers after the
    /// first wrapped in a residual add), then a 1×1 conv head. Receptive field 1 + (k−1)(2^layers − 1) frames.
    /// </summary>
    public static Sequential DilatedTcn(int inChannels, int channels, int layers, int kernelSize, int classes, int seed, double dropout = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var rng = new Random(seed);
        var list = new List<ILayer>();
        for (int i = 0; i < layers; i++)
        {
            var block = new List<ILayer>
            {
                new Conv1d(i == 0 ? inChannels : channels, channels, kernelSize, rng, padding: Conv1d.SamePadding, dilation: 1 << i),
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
