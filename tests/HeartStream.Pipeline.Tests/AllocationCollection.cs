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
