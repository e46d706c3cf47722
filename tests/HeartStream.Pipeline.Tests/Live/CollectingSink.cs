using System.Collections.Concurrent;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>Keeps every event; optionally waits on a gate before each one (a slow sink).</summary>
internal sealed class CollectingSink(Task? gate = null, Exception? failWith = null) : IEventSink
{
    public ConcurrentQueue<PipelineEvent> Events { get; } = new();

    public bool Completed { get; private set; }

    public async ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (failWith is not null)
        {
            throw failWith;
        }

        Events.Enqueue(pipelineEvent);
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        Completed = true;
        return ValueTask.CompletedTask;
    }

    public List<BeatEvent> Beats(string deviceId) => [.. Events.OfType<BeatEvent>().Where(b => b.DeviceId == deviceId)];

    public List<DeviceStatusEvent> Statuses(string deviceId) => [.. Events.OfType<DeviceStatusEvent>().Where(b => b.DeviceId == deviceId)];
}
