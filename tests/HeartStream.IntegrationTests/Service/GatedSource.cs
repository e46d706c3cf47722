using HeartStream.Capture.Sources;

namespace HeartStream.IntegrationTests.Service;

/// <summary>
/// A test source over fixed samples: the first part is readable at once, the rest only after <see cref="Open"/>, so a
/// test can stop the broker mid-stream at a known point. Reads are not paced; the test's capture queue is large
/// enough that nothing is dropped.
/// </summary>
internal sealed class GatedSource(string deviceId, float[] samples, int sampleRate, int gateAtSample) : IAudioSource
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reachedGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _position;

    public string DeviceId { get; } = deviceId;

    public int SampleRate { get; private set; }

    /// <summary>False: read as fast as analysis takes it, so nothing is dropped.</summary>
    public bool IsLive => false;

    /// <summary>Completes when everything before the gate has been read.</summary>
    public Task ReachedGate => _reachedGate.Task;

    public void Open() => _gate.TrySetResult();

    public ValueTask<int> OpenAsync(CancellationToken cancellationToken = default)
    {
        SampleRate = sampleRate;
        return ValueTask.FromResult(sampleRate);
    }

    public async ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= gateAtSample)
        {
            _reachedGate.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }

        int end = _position < gateAtSample ? gateAtSample : samples.Length;
        int n = Math.Min(buffer.Length, end - _position);
        if (n <= 0)
        {
            return 0;
        }

        samples.AsSpan(_position, n).CopyTo(buffer.Span);
        _position += n;
        await Task.Yield();
        return n;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
