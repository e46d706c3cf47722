namespace HeartStream.Pipeline.Inference.Batching;

/// <summary>
/// How <see cref="BatchedInferenceStage"/> trades latency for batch size: a batch starts with the first waiting window
/// and closes at <see cref="MaxBatchWindows"/> windows or <see cref="MaxWait"/> after it began, whichever comes first.
/// One ORT call over 64 windows costs far less than 64 calls (per-call overhead and better kernels), while a few ms
/// are nothing against the seconds of look-ahead a live segmenter already has.
/// </summary>
public sealed record BatchedInferenceOptions
{
    /// <summary>Most windows in one model run.</summary>
    public int MaxBatchWindows { get; init; } = 64;

    /// <summary>Longest a batch waits for more windows after its first one arrived.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(4);

    /// <summary>Windows that may wait in the queue; a full queue makes submitters wait (backpressure).</summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent option.</summary>
    public void Validate()
    {
        if (MaxBatchWindows is < 1 or > 4096)
        {
            throw new ArgumentException($"{nameof(MaxBatchWindows)} must lie in 1..4096, got {MaxBatchWindows}");
        }

        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"{nameof(MaxWait)} must lie in 0..1 s, got {MaxWait.TotalMilliseconds} ms");
        }

        if (QueueCapacity < MaxBatchWindows)
        {
            throw new ArgumentException($"{nameof(QueueCapacity)} ({QueueCapacity}) must be at least {nameof(MaxBatchWindows)} ({MaxBatchWindows})");
        }
    }
}
