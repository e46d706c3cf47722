namespace HeartStream.Capture.Sources;

/// <summary>
/// One device's audio as a pull stream of mono float samples (full scale ±1). A pull interface (like NAudio's
/// <c>ISampleProvider</c>) rather than <c>IAsyncEnumerable</c> of chunks: the caller owns the buffer, so a source
/// allocates nothing per chunk, and pacing (real-time replay, a socket, a gateway) lives inside <see cref="ReadAsync"/>.
/// </summary>
/// <remarks>
/// Protocol: <see cref="OpenAsync"/> once (parses headers, connects; afterwards <see cref="SampleRate"/> is known), then
/// <see cref="ReadAsync"/> until it returns 0 (end of stream), then dispose. A corrupt stream throws from either call
/// (an <see cref="IOException"/> naming the source and the problem), and only that device's stream ends. Cancellation
/// ends a read with <see cref="OperationCanceledException"/>; the pipeline treats it as "stop reading", not as an error.
/// An MQTT gateway source fits the same shape: its reads complete when a frame for its device arrives.
/// </remarks>
public interface IAudioSource : IAsyncDisposable
{
    /// <summary>The device this audio comes from (bed, stethoscope); unique within a pipeline.</summary>
    string DeviceId { get; }

    /// <summary>
    /// True when audio arrives on the device's own clock (a real device, a paced replay): the pipeline must never make
    /// it wait, so the capture edge drops the oldest audio when analysis falls behind (and counts it). False for a
    /// source read as fast as possible (a file at speed 0), which waits for analysis instead and loses nothing.
    /// </summary>
    bool IsLive { get; }

    /// <summary>Sample rate in Hz; 0 until <see cref="OpenAsync"/> has completed.</summary>
    int SampleRate { get; }

    /// <summary>Opens the stream and returns its sample rate.</summary>
    /// <exception cref="IOException">The stream cannot be opened or its header is bad (the message says why).</exception>
    ValueTask<int> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until audio is available and copies up to <paramref name="buffer"/>.Length samples; returns how many,
    /// at least 1, or 0 once the stream has ended. Does not allocate in steady state.
    /// </summary>
    /// <exception cref="IOException">The stream is corrupt or cut short (the message says why).</exception>
    ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default);
}
