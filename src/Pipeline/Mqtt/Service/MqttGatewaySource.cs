using System.Buffers;
using System.Threading.Channels;
using HeartStream.Capture.Sources;
using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// One gateway device's audio, fed frame by frame by <see cref="MqttGatewayRouter"/> from the shared MQTT subscription.
/// The network thread never waits: frames go into a bounded queue that drops its oldest frame when the pipeline falls
/// behind (counted as dropped samples, reason "gateway_queue_full"). Gaps in the sequence are bridged with silence
/// (SequenceTracker's rule, so stream time follows the device clock); duplicates and late frames are dropped and counted.
/// A frame the device cannot send (a changed sample rate, non-finite samples, or a malformed frame routed here) ends
/// this stream with an <see cref="IOException"/> naming the problem, so only this device reports an error.
/// </summary>
public sealed class MqttGatewaySource : IAudioSource
{
    /// <summary>Drop reason for frames lost because the pipeline fell behind.</summary>
    public const string DropReason = "gateway_queue_full";

    private const int MaxSilenceSeconds = 60;

    private readonly Channel<Chunk> _chunks;
    private readonly TaskCompletionSource<int> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SequenceTracker _sequence = new();
    private readonly Lock _gate = new();
    private Chunk _current;
    private int _offset;
    private bool _hasCurrent;
    private uint _rate;
    private int _disposed;
    private long _droppedSamples;
    private long _bridgedSamples;
    private long _lastFrameTicks = Environment.TickCount64;
    private double _bucketSeconds;
    private long _bucketTicks;
    private bool _seeded;

    /// <summary>Creates the source of one device (the router does this on the device's first frame).</summary>
    public MqttGatewaySource(string deviceId, int queueFrames = 512)
    {
        _ = MqttTopics.Audio(deviceId); // validates the id
        ArgumentOutOfRangeException.ThrowIfLessThan(queueFrames, 2);
        DeviceId = deviceId;
        _chunks = Channel.CreateBounded<Chunk>(
            new BoundedChannelOptions(queueFrames) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped =>
            {
                Interlocked.Add(ref _droppedSamples, dropped.Count);
                HeartStreamMetrics.AddDroppedSamples(dropped.Count, DropReason);
                Return(dropped);
            });
    }

    /// <inheritdoc />
    public string DeviceId { get; }

    /// <summary>Always true: a gateway device runs on its own clock and must never be made to wait.</summary>
    public bool IsLive => true;

    /// <inheritdoc />
    public int SampleRate => (int)Volatile.Read(ref _rate);

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) when the last frame was offered, or the source made.</summary>
    public long LastFrameTicks => Interlocked.Read(ref _lastFrameTicks);

    /// <summary>Frames accepted, duplicates, late frames and gaps, as the sequence tracker counted them.</summary>
    public SequenceTracker Sequence => _sequence;

    /// <summary>
    /// Continues the sequence of the device's previous owner (its last frame, from the retained handover state), so
    /// frames lost or repeated across a shard move are counted. Before the first frame only.
    /// </summary>
    public void Seed(uint lastFrame)
    {
        lock (_gate)
        {
            _sequence.Seed(lastFrame);
            _seeded = true;
        }
    }

    /// <summary>The last frame sequence accepted, or null before the first frame.</summary>
    public uint? LastFrame
    {
        get
        {
            lock (_gate)
            {
                return _sequence.Last;
            }
        }
    }

    /// <summary>Samples dropped because the pipeline fell behind.</summary>
    public long DroppedSamples => Interlocked.Read(ref _droppedSamples);

    /// <summary>Samples of silence inserted for missing frames.</summary>
    public long BridgedSamples => Interlocked.Read(ref _bridgedSamples);

    /// <summary>True once the stream has failed or ended (no more frames are taken).</summary>
    public bool IsEnded { get; private set; }

    /// <summary>True once the pipeline has disposed this source: a new one may take the device id.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public async ValueTask<int> OpenAsync(CancellationToken cancellationToken = default) =>
        await _opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (!_hasCurrent)
        {
            if (_chunks.Reader.TryRead(out _current))
            {
                _hasCurrent = true;
                _offset = 0;
                break;
            }

            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        int n = Math.Min(buffer.Length, _current.Count - _offset);
        if (_current.Buffer is float[] samples)
        {
            samples.AsSpan(_offset, n).CopyTo(buffer.Span);
        }
        else
        {
            buffer.Span[..n].Clear(); // bridged gap
        }

        _offset += n;
        if (_offset >= _current.Count)
        {
            Return(_current);
            _hasCurrent = false;
        }

        return n;
    }

    /// <summary>
    /// Takes one parsed frame (network thread). Returns the disposition; <see cref="FrameDisposition.Duplicate"/> and
    /// <see cref="FrameDisposition.OutOfOrder"/> frames are dropped. Returns null with <paramref name="error"/> set when
    /// the frame ended the stream (rate change, non-finite samples).
    /// </summary>
    public FrameDisposition? Offer(in AudioFrameHeader header, ReadOnlySpan<byte> samples, out string? error)
    {
        lock (_gate)
        {
            error = null;
            Interlocked.Exchange(ref _lastFrameTicks, Environment.TickCount64);
            if (IsEnded)
            {
                error = $"Device '{DeviceId}' stream has already ended.";
                return null;
            }

            if (_rate == 0)
            {
                Volatile.Write(ref _rate, header.SampleRate);
                _opened.TrySetResult((int)header.SampleRate);
            }
            else if (header.SampleRate != _rate)
            {
                error = $"Device '{DeviceId}' changed its sample rate mid-stream from {_rate} Hz to {header.SampleRate} Hz.";
                FailCore(error);
                return null;
            }

            SequenceObservation seen = _sequence.Observe(header.Sequence, header.SampleCount);
            if (!seen.Accept)
            {
                return seen.Disposition;
            }

            if (_seeded)
            {
                // The first frame after a handover: what lies between it and the old owner's last frame is counted,
                // not bridged (this stream starts here; the old owner analysed, or lost, those frames).
                _seeded = false;
                HeartStreamMetrics.AddHandoverMissingFrames(seen.MissingFrames);
            }
            else if (seen.MissingSamples > 0)
            {
                int silence = (int)Math.Min(seen.MissingSamples, (long)_rate * MaxSilenceSeconds);
                Interlocked.Add(ref _bridgedSamples, silence);
                _chunks.Writer.TryWrite(new Chunk(null, silence));
            }

            int count = (int)header.SampleCount;
            if (count == 0)
            {
                return seen.Disposition;
            }

            float[] buffer = ArrayPool<float>.Shared.Rent(count);
            if (!AudioFrameCodec.TryDecodeSamples(header, samples, buffer, out FrameError decodeError))
            {
                ArrayPool<float>.Shared.Return(buffer);
                error = $"Device '{DeviceId}' sent a bad frame (sequence {header.Sequence}): {AudioFrameCodec.Describe(decodeError)}";
                FailCore(error);
                return null;
            }

            _chunks.Writer.TryWrite(new Chunk(buffer, count));
            return seen.Disposition;
        }
    }

    /// <summary>
    /// Token bucket on the device's audio: true when <paramref name="seconds"/> of audio fit in what the device may
    /// still send (<paramref name="burstSeconds"/> at most, refilled at <paramref name="secondsPerSecond"/> of audio
    /// per wall-clock second), and takes them; false when the frame is over the limit.
    /// </summary>
    public bool TryAdmitAudio(double seconds, double secondsPerSecond, double burstSeconds)
    {
        long now = Environment.TickCount64;
        lock (_gate)
        {
            _bucketSeconds = _bucketTicks == 0
                ? burstSeconds
                : Math.Min(burstSeconds, _bucketSeconds + ((now - _bucketTicks) / 1000.0 * secondsPerSecond));
            _bucketTicks = now;
            if (_bucketSeconds < seconds)
            {
                return false;
            }

            _bucketSeconds -= seconds;
            return true;
        }
    }

    /// <summary>Ends the stream with an error naming <paramref name="reason"/> (the device reports status error).</summary>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        lock (_gate)
        {
            FailCore(reason);
        }
    }

    /// <summary>Ends the stream normally (service shutdown): queued audio is still read.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            IsEnded = true;
            _chunks.Writer.TryComplete();
            _opened.TrySetException(new IOException($"Device '{DeviceId}' ended before its first frame."));
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Complete();
            if (_hasCurrent)
            {
                Return(_current);
                _hasCurrent = false;
            }

            while (_chunks.Reader.TryRead(out Chunk chunk))
            {
                Return(chunk);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void FailCore(string reason)
    {
        IsEnded = true;
        var error = new IOException(reason);
        _chunks.Writer.TryComplete(error);
        _opened.TrySetException(error);
    }

    private static void Return(Chunk chunk)
    {
        if (chunk.Buffer is float[] buffer)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private readonly record struct Chunk(float[]? Buffer, int Count);
}
