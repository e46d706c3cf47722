using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace HeartStream.Capture.Sources;

/// <summary>
/// Raw signed 16-bit little-endian mono PCM from a stream (stdin, a pipe, a socket), at a rate given by the caller
/// because raw PCM has no header: <c>arecord -f S16_LE -r 4000 -c 1 | heartstream run --stdin --device bed-7 --rate 4000</c>.
/// Paced by the producer; a read completes as soon as any bytes arrive.
/// </summary>
/// <remarks>
/// A sample split across two reads is joined. A single odd byte left when the stream ends (a producer killed
/// mid-sample) is ignored: half a sample carries no usable audio, and the samples before it are good.
/// </remarks>
public sealed class RawPcmSource : IAudioSource
{
    /// <summary>Most samples one read returns; bounds the byte buffer allocated at open.</summary>
    public const int MaxSamplesPerRead = 8192;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _rate;
    private byte[] _bytes = [];
    private int _carry; // 0 or 1 byte kept from the previous read
    private bool _opened;

    /// <param name="stream">The PCM byte stream; read only, never seeked.</param>
    /// <param name="deviceId">Id of the device producing it.</param>
    /// <param name="sampleRate">Its sample rate in Hz (1..384000).</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open on dispose (e.g. stdin).</param>
    public RawPcmSource(Stream stream, string deviceId, int sampleRate, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        if (sampleRate is < 1 or > 384_000)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Raw PCM sample rate must be 1..384000 Hz.");
        }

        if (!stream.CanRead)
        {
            throw new ArgumentException($"The PCM stream of device '{deviceId}' is not readable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _rate = sampleRate;
        DeviceId = deviceId;
    }

    public string DeviceId { get; }

    /// <summary>A capture device or pipe runs on its own clock.</summary>
    public bool IsLive => true;

    public int SampleRate => _opened ? _rate : 0;

    public ValueTask<int> OpenAsync(CancellationToken cancellationToken = default)
    {
        _bytes = new byte[(2 * MaxSamplesPerRead) + 1];
        _opened = true;
        return ValueTask.FromResult(_rate);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a suspended read reuses its state box: no allocation per chunk
    public async ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default)
    {
        if (!_opened)
        {
            throw new InvalidOperationException($"Source '{DeviceId}' must be opened before reading.");
        }

        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The read buffer must hold at least one sample.", nameof(buffer));
        }

        int wantSamples = Math.Min(buffer.Length, MaxSamplesPerRead);
        while (true)
        {
            int got = await _stream.ReadAsync(_bytes.AsMemory(_carry, (2 * wantSamples) - _carry), cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                return 0;
            }

            int total = _carry + got;
            int samples = total / 2;
            if (samples == 0)
            {
                _carry = total;
                continue;
            }

            Convert(_bytes.AsSpan(0, samples * 2), buffer.Span);
            _carry = total - (samples * 2);
            if (_carry == 1)
            {
                _bytes[0] = _bytes[samples * 2];
            }

            return samples;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Convert(ReadOnlySpan<byte> bytes, Span<float> output)
    {
        for (int i = 0; i < bytes.Length / 2; i++)
        {
            output[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i, 2)) / 32768f;
        }
    }
}
