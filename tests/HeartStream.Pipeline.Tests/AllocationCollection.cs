namespace HeartStream.Pipeline.Tests;

/// <summary>
/// Test classes whose steady-state checks assert 0 bytes allocated on the test thread. They run alone: in full-suite
/// runs, with other classes in parallel, those checks saw 700 to ~8,000 bytes in 2–3 of 10 runs, never when run by
/// themselves; neither tiered compilation off nor re-measuring spans that had a GC removed it. Run alone: 0 of 12.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation checks (run alone)";
}

/// <summary>Steady-state allocation measured on the test thread, robust to the runtime's occasional charge.</summary>
public static class SteadyState
{
    /// <summary>
    /// The least number of bytes one call of <paramref name="round"/> allocated on this thread over
    /// <paramref name="rounds"/> calls. A real per-call allocation shows in every round, so the least is still > 0;
    /// the few hundred to ~8,000 bytes the runtime now and then charges to a test thread in full-suite runs (see
    /// <see cref="AllocationCollection"/>) land in one round only.
    /// </summary>
    public static long LeastAllocated(int rounds, Action<int> round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 2);
        long least = long.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round(r);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
