using HeartStream.Capture.Sources;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Test source over an array: returns chunks of the sizes given (cycled), optionally fails after some samples,
/// optionally blocks at the end (until cancelled) like a live device that keeps its connection open.
/// </summary>
internal sealed class ArraySource(string deviceId, float[] samples, int sampleRate, int[] chunkSizes, long failAfter = long.MaxValue, bool blockAtEnd = false, bool isLive = false) : IAudioSource
{
    private int _position;
    private int _chunk;

    public string DeviceId => deviceId;

    public bool IsLive => isLive;

    public int SampleRate { get; private set; }

    /// <summary>Completes once every sample has been handed out.</summary>
    public TaskCompletionSource Exhausted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<int> OpenAsync(CancellationToken cancellationToken = default)
    {
        SampleRate = sampleRate;
        return ValueTask.FromResult(sampleRate);
    }

    public async ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= failAfter)
        {
            throw new IOException($"source {deviceId}: stream corrupt at sample {_position}");
        }

        if (_position >= samples.Length)
        {
            Exhausted.TrySetResult();
            if (blockAtEnd)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return 0;
        }

        int n = Math.Min(Math.Min(chunkSizes[_chunk++ % chunkSizes.Length], buffer.Length), samples.Length - _position);
        samples.AsSpan(_position, n).CopyTo(buffer.Span);
        _position += n;
        return n;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static float[] Noise(int length, int seed = 1)
    {
        var random = new Random(seed);
        var result = new float[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = (float)((random.NextDouble() * 0.2) - 0.1);
        }

        return result;
    }
}
