namespace HeartStream.Training.Nn;

/// <summary>
/// Torch's default initialisation for Conv1d/Linear (kaiming_uniform_ with a = sqrt(5), which reduces to
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases), drawn from a caller-seeded <see cref="Random"/>
/// so a given seed always yields the same model.
/// </summary>
public static class WeightInit
{
    /// <summary>Fills <paramref name="values"/> from U(-bound, bound).</summary>
    public static void Uniform(Span<float> values, float bound, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2.0) - 1.0) * bound);
        }
    }

    /// <summary>Torch default bound for a layer with the given fan-in: 1/sqrt(fan_in).</summary>
    public static float DefaultBound(int fanIn)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        return (float)(1.0 / Math.Sqrt(fanIn));
    }
}
