namespace HeartStream.Pipeline.Telemetry;

/// <summary>Lock-free add on a double (there is no Interlocked.Add for doubles).</summary>
internal static class AtomicDouble
{
    public static void Add(ref double target, double value)
    {
        double current = Volatile.Read(ref target);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref target, current + value, current);

            // Compare bits, not values: NaN != NaN would otherwise spin forever.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }
}
