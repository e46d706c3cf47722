using System.Threading.Channels;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The last stage: reads the shared events channel and hands every event to each sink in turn. Completes (after the
/// sinks' <see cref="IEventSink.CompleteAsync"/>) when the channel completes; faults when the channel was completed with
/// an error or a sink throws; is cancelled by <paramref name="cancellationToken"/> (abort).
/// </summary>
public static class EventDispatchStage
{
    /// <summary>Runs until the channel is complete and drained.</summary>
    public static async Task RunAsync(ChannelReader<PipelineEvent> input, IReadOnlyList<IEventSink> sinks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sinks);
        while (await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (input.TryRead(out PipelineEvent? item))
            {
                for (int i = 0; i < sinks.Count; i++)
                {
                    await sinks[i].WriteAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        for (int i = 0; i < sinks.Count; i++)
        {
            await sinks[i].CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
