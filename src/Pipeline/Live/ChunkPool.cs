namespace HeartStream.Pipeline.Live;

/// <summary>
/// Fixed-size sample buffers of one device, reused between the capture stage (rents, fills), the capture channel's
/// drop callback and the analysis stage (return). Pre-filled for a full channel plus the two buffers in the stages'
/// hands, so steady state never allocates; a lock suffices (two parties, a few operations per chunk).
/// </summary>
public sealed class ChunkPool
{
    private readonly Stack<float[]> _free;
    private readonly Lock _lock = new();

    /// <summary>Creates <paramref name="count"/> buffers of <paramref name="bufferLength"/> samples.</summary>
    public ChunkPool(int bufferLength, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        BufferLength = bufferLength;
        _free = new Stack<float[]>(count);
        for (int i = 0; i < count; i++)
        {
            _free.Push(new float[bufferLength]);
        }
    }

    /// <summary>Samples per buffer.</summary>
    public int BufferLength { get; }

    /// <summary>Buffers allocated because the pool was empty (should stay 0).</summary>
    public int Misses { get; private set; }

    /// <summary>A free buffer (a new one if none is free).</summary>
    public float[] Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out float[]? buffer))
            {
                return buffer;
            }

            Misses++;
        }

        return new float[BufferLength];
    }

    /// <summary>Gives a buffer back.</summary>
    public void Return(float[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length != BufferLength)
        {
            throw new ArgumentException($"Buffer of {buffer.Length} samples does not belong to a pool of {BufferLength}-sample buffers.", nameof(buffer));
        }

        lock (_lock)
        {
            _free.Push(buffer);
        }
    }
}
