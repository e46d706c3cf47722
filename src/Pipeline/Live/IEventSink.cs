using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// A consumer of pipeline events (console, metrics, MQTT). Called by one dispatch stage, one event at a time, in order;
/// a slow sink slows the events channel, which pushes back on analysis (no event is lost); only the capture edge drops.
/// A sink that talks to the network should put its own bounded queue behind this call so a dead peer cannot stall
/// detection.
/// </summary>
public interface IEventSink
{
    /// <summary>Handles one event.</summary>
    ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default);

    /// <summary>Called once after the last event (flush, close).</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
}
