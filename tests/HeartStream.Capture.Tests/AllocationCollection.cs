namespace HeartStream.Capture.Tests;

/// <summary>
/// Test classes whose steady-state checks assert 0 bytes allocated on the test thread. They run alone, as in
/// HeartStream.Pipeline.Tests: in a clean-clone CI run on 2026-12-02, with other classes in parallel, the resampler's
/// check saw 6,888 bytes once (44.1 kHz, after a single warm-up call); alone, and warmed past tiered compilation's
/// call-count threshold, it has not.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation checks (run alone)";
}
