using System.Threading.Channels;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Lets many stages write one channel while keeping "the stage that writes a channel completes it": each writer gets
/// its own lease (<see cref="CreateLease"/>), completes it when done, and the channel completes when the last lease
/// does. A lease completed with an exception completes the channel with it at once, so a fault still travels down.
/// </summary>
public sealed class FanInChannelWriter<T>
{
    private readonly ChannelWriter<T> _inner;
    private readonly Lock _lock = new();
    private int _open;
    private bool _closed;

    /// <summary>Wraps the writer of the shared channel.</summary>
    public FanInChannelWriter(ChannelWriter<T> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>Leases not completed yet.</summary>
    public int OpenLeases => Volatile.Read(ref _open);

    /// <summary>A writer for one more stage.</summary>
    /// <exception cref="InvalidOperationException">Every lease has completed, so the channel is complete.</exception>
    public ChannelWriter<T> CreateLease()
    {
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("The shared channel is complete: every writer has finished, no new writer can join.");
            }

            _open++;
        }

        return new Lease(this);
    }

    private void Release(Exception? error)
    {
        bool complete;
        lock (_lock)
        {
            _open--;
            complete = error is not null || _open == 0;
            _closed |= complete;
        }

        if (complete)
        {
            _inner.TryComplete(error);
        }
    }

    private sealed class Lease(FanInChannelWriter<T> owner) : ChannelWriter<T>
    {
        private int _completed;

        public override bool TryWrite(T item) => Volatile.Read(ref _completed) == 0 && owner._inner.TryWrite(item);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            Volatile.Read(ref _completed) == 0 ? owner._inner.WaitToWriteAsync(cancellationToken) : ValueTask.FromResult(false);

        public override bool TryComplete(Exception? error = null)
        {
            if (Interlocked.Exchange(ref _completed, 1) != 0)
            {
                return false;
            }

            owner.Release(error);
            return true;
        }
    }
}
