using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Inference.Batching;

/// <summary>
/// Cross-device batching in front of one model: devices submit fixed-length windows (<see cref="InferenceRequest"/>,
/// one reusable request per device) into a bounded channel; one worker (<see cref="RunAsync"/>) takes the first waiting
/// window, gathers more until <see cref="BatchedInferenceOptions.MaxBatchWindows"/> or
/// <see cref="BatchedInferenceOptions.MaxWait"/>, runs the model once for the whole batch and completes each request.
/// Hundreds of devices then cost a few model runs per hop instead of one each.
/// </summary>
/// <remarks>
/// <para>Errors stay with their batch: a failing run faults the requests of that batch (their devices end with the
/// message) and the next batch runs as usual. <see cref="Complete"/> stops intake and lets the worker drain what is
/// queued; cancelling <see cref="RunAsync"/> aborts: queued windows fault with <see cref="OperationCanceledException"/>.
/// <see cref="Swap"/> replaces the model between batches (hot reload); the stage owns its models and disposes each one
/// once no batch uses it. Batch size and run time go to <see cref="HeartStreamMetrics.RecordInference"/>.</para>
/// <para>Steady state allocates nothing per window: requests are their own awaitables, the worker waits on the
/// channel's reusable waiter, and the batch deadline is a reusable timer that wakes it with a marker item.</para>
/// </remarks>
public sealed class BatchedInferenceStage : IDisposable
{
    private readonly BatchedInferenceOptions _options;
    private readonly Channel<InferenceRequest> _queue;
    private readonly InferenceRequest _tick;
    private readonly InferenceRequest[] _batch;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly Timer _timer;
    private readonly IDisposable? _depth;
    private IWindowBatchModel _model;
    private IWindowBatchModel? _next;
    private long _generation;       // batch number whose deadline timer is armed
    private long _fired;            // batch number whose deadline timer fired
    private long _runs;
    private long _windows;
    private long _runTicks;
    private long _longestRunTicks; // written by the worker only
    private int _disposed;

    /// <param name="model">The model; the stage owns it from now on (disposed when swapped out or with the stage).</param>
    /// <param name="options">Batch size, wait and queue bound; defaults when null.</param>
    /// <param name="depthLabel">Stage label of the queue in the channel-depth gauge (one stage per label per process); null for none.</param>
    public BatchedInferenceStage(IWindowBatchModel model, BatchedInferenceOptions? options = null, string? depthLabel = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new BatchedInferenceOptions();
        options.Validate();
        _options = options;
        _model = model;
        InputChannels = model.InputChannels;
        OutputChannels = model.OutputChannels;
        WindowFrames = model.WindowFrames;
        _queue = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _tick = new InferenceRequest(null, 0, 0);
        _batch = new InferenceRequest[options.MaxBatchWindows];
        _input = new float[options.MaxBatchWindows * InputChannels * WindowFrames];
        _output = new float[options.MaxBatchWindows * OutputChannels * WindowFrames];
        _timer = new Timer(static s => ((BatchedInferenceStage)s!).OnDeadline(), this, Timeout.Infinite, Timeout.Infinite);
        _depth = depthLabel is null ? null : HeartStreamMetrics.TryRegisterChannelDepth(depthLabel, () => _queue.Reader.Count);
    }

    public int InputChannels { get; }

    public int OutputChannels { get; }

    public int WindowFrames { get; }

    public BatchedInferenceOptions Options => _options;

    /// <summary>Name of the model now running.</summary>
    public string ModelName => Volatile.Read(ref _model).Name;

    /// <summary>Model runs so far.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Windows answered (or failed) so far.</summary>
    public long Windows => Interlocked.Read(ref _windows);

    /// <summary>Seconds spent inside model runs so far (wall time of the worker's runs: the inference cost).</summary>
    public double RunSeconds => (double)Interlocked.Read(ref _runTicks) / Stopwatch.Frequency;

    /// <summary>The longest single model run so far, in seconds (every device waits for it: a stall shows here).</summary>
    public double LongestRunSeconds => (double)Interlocked.Read(ref _longestRunTicks) / Stopwatch.Frequency;

    /// <summary>Mean windows per run so far (0 before the first).</summary>
    public double AverageBatchWindows => Runs == 0 ? 0 : (double)Windows / Runs;

    /// <summary>A new reusable request with its window buffers (one per device).</summary>
    public InferenceRequest CreateRequest() => new(this, InputChannels * WindowFrames, OutputChannels * WindowFrames);

    /// <summary>
    /// Uses <paramref name="model"/> from the next batch on; the model running now finishes its batch and is disposed.
    /// Its window length and channels must match the current model's (the devices' buffers are sized for them).
    /// </summary>
    public void Swap(IWindowBatchModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.InputChannels != InputChannels || model.OutputChannels != OutputChannels || model.WindowFrames != WindowFrames)
        {
            throw new ArgumentException(
                $"model '{model.Name}' maps [{model.InputChannels}, {model.WindowFrames}] to [{model.OutputChannels}, {model.WindowFrames}]; this stage runs [{InputChannels}, {WindowFrames}] to [{OutputChannels}, {WindowFrames}]",
                nameof(model));
        }

        (Interlocked.Exchange(ref _next, model) as IDisposable)?.Dispose(); // a swap never applied is replaced
    }

    /// <summary>No more windows: the worker runs what is queued and <see cref="RunAsync"/> returns.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// The worker loop; run exactly once. Returns when <see cref="Complete"/> was called and the queue is drained;
    /// cancellation faults what is queued and returns by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Completing the queue with the cancellation wakes a waiting worker without a token per wait (which would allocate).
        using CancellationTokenRegistration registration = cancellationToken.Register(
            static s => ((BatchedInferenceStage)s!)._queue.Writer.TryComplete(new OperationCanceledException("the inference stage was aborted")), this);
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = await CollectAsync(cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    RunBatch(count);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            FailQueued(new OperationCanceledException("the inference stage was aborted before this window ran", cancellationToken));
            throw new OperationCanceledException("the inference stage was aborted", cancellationToken);
        }
        finally
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Complete();
        _timer.Dispose();
        _depth?.Dispose();
        (Interlocked.Exchange(ref _next, null) as IDisposable)?.Dispose();
        (_model as IDisposable)?.Dispose();
    }

    /// <summary>Queues a submitted request; called by <see cref="InferenceRequest.SubmitAsync"/>.</summary>
    internal ValueTask Enqueue(InferenceRequest request, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(request))
        {
            return request.Pending;
        }

        return EnqueueSlowAsync(request, cancellationToken);
    }

    private async ValueTask EnqueueSlowAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false); // full queue: backpressure
        }
        catch (ChannelClosedException e)
        {
            request.Abandon();
            throw new InvalidOperationException("the inference stage has stopped and accepts no more windows", e);
        }
        catch (OperationCanceledException)
        {
            request.Abandon();
            throw;
        }

        await request.Pending.ConfigureAwait(false);
    }

    /// <summary>Gathers a batch: what is queued now, then more until it is full or the deadline marker arrives.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> CollectAsync(CancellationToken cancellationToken)
    {
        int count = 0;
        long generation = ++_generation;
        bool armed = false;
        while (count < _batch.Length)
        {
            if (_queue.Reader.TryRead(out InferenceRequest? request))
            {
                if (ReferenceEquals(request, _tick))
                {
                    if (Interlocked.Read(ref _fired) == generation)
                    {
                        break; // this batch's deadline
                    }

                    continue; // a late marker of an earlier batch
                }

                _batch[count++] = request;
                continue;
            }

            if (count == 0 || _options.MaxWait == TimeSpan.Zero)
            {
                break;
            }

            if (!armed)
            {
                armed = true;
                _timer.Change(_options.MaxWait, Timeout.InfiniteTimeSpan);
            }

            if (!await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                break; // completed: run what we have
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        if (armed)
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
        }

        return count;
    }

    private void OnDeadline()
    {
        Interlocked.Exchange(ref _fired, Interlocked.Read(ref _generation));
        _queue.Writer.TryWrite(_tick); // a full queue fills the batch anyway, so a lost marker is harmless
    }

    private void RunBatch(int count)
    {
        IWindowBatchModel? next = Interlocked.Exchange(ref _next, null);
        if (next is not null)
        {
            IWindowBatchModel old = _model;
            Volatile.Write(ref _model, next);
            (old as IDisposable)?.Dispose(); // the only user of a model is this worker, between batches
        }

        IWindowBatchModel model = _model;
        int inLength = InputChannels * WindowFrames;
        int outLength = OutputChannels * WindowFrames;
        for (int b = 0; b < count; b++)
        {
            _batch[b].Input.AsSpan().CopyTo(_input.AsSpan(b * inLength, inLength));
        }

        long started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        try
        {
            model.Run(_input.AsSpan(0, count * inLength), count, _output.AsSpan(0, count * outLength));
        }
#pragma warning disable CA1031 // Any model failure faults this batch's requests only; the next batch goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = new InvalidOperationException($"inference with model '{model.Name}' failed for a batch of {count} windows: {e.Message}", e);
        }

        long ticks = Stopwatch.GetTimestamp() - started;
        HeartStreamMetrics.RecordInference(count, (double)ticks / Stopwatch.Frequency);
        Interlocked.Add(ref _runTicks, ticks);
        if (ticks > Interlocked.Read(ref _longestRunTicks))
        {
            Interlocked.Exchange(ref _longestRunTicks, ticks);
        }

        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _windows, count);
        for (int b = 0; b < count; b++)
        {
            InferenceRequest request = _batch[b];
            _batch[b] = null!;
            if (failure is null)
            {
                _output.AsSpan(b * outLength, outLength).CopyTo(request.Output);
                request.Succeed();
            }
            else
            {
                request.Fail(failure);
            }
        }
    }

    private void FailQueued(Exception error)
    {
        for (int b = 0; b < _batch.Length; b++)
        {
            _batch[b]?.Fail(error);
            _batch[b] = null!;
        }

        while (_queue.Reader.TryRead(out InferenceRequest? request))
        {
            if (!ReferenceEquals(request, _tick))
            {
                request.Fail(error);
            }
        }
    }
}
