using System.Diagnostics;
using System.Threading.Channels;
using HeartStream.Capture.Sources;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The capture edge of one device: reads its opened <see cref="IAudioSource"/> into pooled buffers and writes
/// <see cref="AudioChunk"/>s to the device's bounded capture channel. For a live source that channel is the only one
/// allowed to drop (created by <see cref="CreateChannel"/> with <see cref="BoundedChannelFullMode.DropOldest"/>): a
/// device is never blocked by slow analysis, and every dropped sample is counted. A source that is not live (a file
/// read as fast as possible) gets a waiting channel instead: it is paced by analysis and loses nothing.
/// </summary>
/// <remarks>
/// Completion: end of the source, or <paramref name="stop"/> (graceful stop), completes the channel normally; a source
/// failure completes it with that exception, so the analysis stage sees the reason; <paramref name="abort"/> completes it
/// with <see cref="OperationCanceledException"/>.
/// </remarks>
public static class CaptureStage
{
    /// <summary>Reason label of drops on the capture edge (heartstream_capture_dropped_samples_total{reason}).</summary>
    public const string DropReason = "capture_queue_full";

    /// <summary>
    /// The bounded drop-oldest channel of one device. Dropped chunks go back to <paramref name="pool"/> and their
    /// samples to <paramref name="onDropped"/>.
    /// </summary>
    public static Channel<AudioChunk> CreateChannel(int capacityChunks, ChunkPool pool, Action<int> onDropped, bool dropWhenFull = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityChunks, 1);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(onDropped);
        var options = new BoundedChannelOptions(capacityChunks)
        {
            FullMode = dropWhenFull ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        };
        return Channel.CreateBounded<AudioChunk>(options, dropped =>
        {
            onDropped(dropped.Count);
            pool.Return(dropped.Buffer);
        });
    }

    /// <summary>Pumps <paramref name="source"/> (already opened) into <paramref name="output"/> until it ends.</summary>
    public static async Task RunAsync(IAudioSource source, ChannelWriter<AudioChunk> output, ChunkPool pool, CancellationToken stop, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(pool);
        Exception? error = null;
        long position = 0;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
            while (true)
            {
                float[] buffer = pool.Rent();
                int n;
                try
                {
                    n = await source.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
                {
                    n = 0; // graceful stop: what was read so far is analysed
                }

                if (n <= 0)
                {
                    pool.Return(buffer);
                    break;
                }

                // DropOldest: TryWrite always succeeds while the channel is open; the callback counts what it pushes out.
                // Wait (a source that is not live): wait for room; abort still ends the wait.
                var chunk = new AudioChunk(buffer, n, position, Stopwatch.GetTimestamp());
                if (!output.TryWrite(chunk))
                {
                    if (!await output.WaitToWriteAsync(abort).ConfigureAwait(false) || !output.TryWrite(chunk))
                    {
                        pool.Return(buffer);
                        break; // the reader is gone
                    }
                }

                position += n;
            }
        }
#pragma warning disable CA1031 // Any source failure ends this device only; the exception travels down the channel.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        output.TryComplete(error);
    }
}
