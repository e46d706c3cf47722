namespace HeartStream.Pipeline.Inference;

/// <summary>
/// How to create an <see cref="OnnxSession"/>. Thread counts of 0 let ORT choose (one per physical core); on a shared
/// host, set <see cref="IntraOpThreads"/> explicitly so several sessions do not oversubscribe the cores.
/// </summary>
public sealed class OnnxSessionOptions
{
    /// <summary>Threads used inside one operator (0 = ORT default).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators in parallel (0 = ORT default).</summary>
    public int InterOpThreads { get; init; }

    /// <summary>Ask for the CUDA execution provider; falls back to CPU when this ORT build or machine has no CUDA.</summary>
    public bool PreferCuda { get; init; }

    /// <summary>Graph optimisation level.</summary>
    public OnnxGraphOptimization GraphOptimization { get; init; } = OnnxGraphOptimization.All;

    internal void Validate()
    {
        if (IntraOpThreads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be 0 (ORT default) or positive.");
        }

        if (InterOpThreads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InterOpThreads), InterOpThreads, "InterOpThreads must be 0 (ORT default) or positive.");
        }

        if (!Enum.IsDefined(GraphOptimization))
        {
            throw new ArgumentOutOfRangeException(nameof(GraphOptimization), GraphOptimization, "Unknown graph optimisation level.");
        }
    }
}
