using HeartStream.Pipeline.Inference.Batching;

namespace HeartStream.Pipeline.Tests.Inference.Batching;

/// <summary>
/// A deterministic stand-in model: output channel s, frame t = input channel (s mod C), frame t, plus s + <c>bias</c>.
/// Counts runs and windows, can hold a run at a gate (so submissions queue up deterministically) and fails a run whose
/// batch holds a window starting with <see cref="Poison"/>.
/// </summary>
internal sealed class FakeWindowModel(int channels = 2, int outputs = 4, int window = 8, float bias = 0) : IWindowBatchModel, IDisposable
{
    public const float Poison = -999f;

    private int _runs;

    public string Name => $"fake+{bias}";

    public int InputChannels => channels;

    public int OutputChannels => outputs;

    public int WindowFrames => window;

    /// <summary>When set, a run waits here before computing (the test releases it).</summary>
    public SemaphoreSlim? Gate { get; set; }

    /// <summary>Released once when a run starts (so a test knows the worker is inside a run).</summary>
    public SemaphoreSlim Started { get; } = new(0);

    public int Runs => Volatile.Read(ref _runs);

    public List<int> BatchSizes { get; } = [];

    public bool Disposed { get; private set; }

    public static void Compute(ReadOnlySpan<float> input, Span<float> output, int channels, int outputs, int window, float bias)
    {
        for (int s = 0; s < outputs; s++)
        {
            for (int t = 0; t < window; t++)
            {
                output[(s * window) + t] = input[((s % channels) * window) + t] + s + bias;
            }
        }
    }

    public void Run(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        Interlocked.Increment(ref _runs);
        lock (BatchSizes)
        {
            BatchSizes.Add(batch);
        }

        Started.Release();
        Gate?.Wait(TimeSpan.FromSeconds(30));
        int inLength = channels * window;
        int outLength = outputs * window;
        for (int b = 0; b < batch; b++)
        {
            if (input[b * inLength] == Poison)
            {
                throw new InvalidOperationException("fake model: poisoned window");
            }
        }

        for (int b = 0; b < batch; b++)
        {
            Compute(input.Slice(b * inLength, inLength), output.Slice(b * outLength, outLength), channels, outputs, window, bias);
        }
    }

    public void Dispose() => Disposed = true;
}
