namespace HeartStream.Training.Tests.Nn;

/// <summary>
/// A synthetic, separable per-frame task (not real heart sounds): frame t of window n has label
/// (t / 16 + n) % classes, and channel (label) carries a +1.5 offset on top of unit noise, so a small conv net
/// can learn it quickly. Some frames are marked -1 (unannotated).
/// </summary>
internal static class SyntheticData
{
    public static (HeartStream.Training.Nn.Tensor X, int[] Targets) Batch(int batch, int channels, int width, int classes, int seed)
    {
        var rng = new Random(seed);
        var x = new HeartStream.Training.Nn.Tensor(batch, channels, width);
        int[] targets = new int[batch * width];
        for (int n = 0; n < batch; n++)
        {
            int phase = rng.Next(16);
            for (int t = 0; t < width; t++)
            {
                int label = (((t + phase) / 16) + n) % classes;
                targets[(n * width) + t] = rng.NextDouble() < 0.05 ? -1 : label;
                for (int c = 0; c < channels; c++)
                {
                    double noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    x.Data[(((n * channels) + c) * width) + t] = (float)(noise + (c == label ? 1.5 : 0));
                }
            }
        }

        return (x, targets);
    }
}
