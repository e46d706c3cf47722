using System.Threading.Tasks.Sources;

namespace HeartStream.Pipeline.Inference.Batching;

/// <summary>
/// One device's reusable window slot in a <see cref="BatchedInferenceStage"/>: the device writes <see cref="Input"/>,
/// awaits <see cref="SubmitAsync"/>, then reads <see cref="Output"/>. The awaitable is this object itself
/// (<see cref="ManualResetValueTaskSourceCore{TResult}"/>), so a window costs no managed allocation in steady state.
/// At most one submission may be in flight per request; the device does not touch the buffers while it is.
/// </summary>
public sealed class InferenceRequest : IValueTaskSource
{
    private readonly BatchedInferenceStage? _stage;
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _inFlight;

    internal InferenceRequest(BatchedInferenceStage? stage, int inputLength, int outputLength)
    {
        _stage = stage;
        Input = new float[inputLength];
        Output = new float[outputLength];
        _core.RunContinuationsAsynchronously = true; // the device's decode must not run on the inference worker
    }

    /// <summary>The window, channel-major: InputChannels × WindowFrames.</summary>
    public float[] Input { get; }

    /// <summary>The model's answer once <see cref="SubmitAsync"/> completed, channel-major: OutputChannels × WindowFrames.</summary>
    public float[] Output { get; }

    /// <summary>Queues the window; completes when its batch ran (faults when the batch failed or the stage was aborted).</summary>
    /// <exception cref="InvalidOperationException">A submission is already in flight, or the stage no longer accepts windows.</exception>
    public ValueTask SubmitAsync(CancellationToken cancellationToken = default)
    {
        if (_stage is null)
        {
            throw new InvalidOperationException("this request is the stage's internal wake-up marker");
        }

        if (Interlocked.Exchange(ref _inFlight, 1) != 0)
        {
            throw new InvalidOperationException("a window of this request is already in flight; await it before submitting the next");
        }

        _core.Reset();
        return _stage.Enqueue(this, cancellationToken);
    }

    /// <summary>The awaitable of the current submission (used by the stage once the request is queued).</summary>
    internal ValueTask Pending => new(this, _core.Version);

    internal void Succeed()
    {
        Volatile.Write(ref _inFlight, 0);
        _core.SetResult(true);
    }

    internal void Fail(Exception error)
    {
        Volatile.Write(ref _inFlight, 0);
        _core.SetException(error);
    }

    /// <summary>Marks a submission that never reached the queue as over, so the request can be used again.</summary>
    internal void Abandon() => Volatile.Write(ref _inFlight, 0);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
