namespace HeartStream.Pipeline;

/// <summary>The median the live path uses for rates, intervals and levels (no allocation).</summary>
internal static class Median
{
    /// <summary>Median of <paramref name="values"/> (at least one); sorts them in place.</summary>
    public static double InPlace(Span<double> values)
    {
        values.Sort();
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
