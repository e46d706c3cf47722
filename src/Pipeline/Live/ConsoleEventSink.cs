using System.Globalization;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Writes events as one line each (for a terminal or a log collector): status changes and vitals always, beats only
/// when asked (a few per second per device).
/// </summary>
public sealed class ConsoleEventSink(TextWriter writer, bool includeBeats = false) : IEventSink
{
    public async ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        string? line = pipelineEvent switch
        {
            BeatEvent b when includeBeats => string.Create(CultureInfo.InvariantCulture, $"{b.DeviceId} {b.StreamTimeSeconds,9:0.000} beat   {b.Sound.Type} {b.Sound.StartSeconds:0.000}-{b.Sound.EndSeconds:0.000} latency {b.LatencySeconds:0.000} s"),
            VitalsEvent v => string.Create(CultureInfo.InvariantCulture, $"{v.DeviceId} {v.StreamTimeSeconds,9:0.000} vitals hr {(v.HeartRateBpm is double hr ? hr.ToString("0", CultureInfo.InvariantCulture) : "-")} bpm, irregularity {(v.IntervalIrregularity is double cv ? cv.ToString("0.00", CultureInfo.InvariantCulture) : "-")}, quality {v.SignalQuality:0.00}, beats {v.BeatsInWindow}"),
            DeviceStatusEvent s => string.Create(CultureInfo.InvariantCulture, $"{s.DeviceId} {s.StreamTimeSeconds,9:0.000} status {s.Status}{(s.Reason is null ? "" : ": " + s.Reason)}"),
            ClassificationEvent c => string.Create(CultureInfo.InvariantCulture, $"{c.DeviceId} {c.StreamTimeSeconds,9:0.000} class  {string.Join(", ", c.Probabilities.Select(p => $"{p.Key} {p.Value:0.00}"))}"),
            _ => null,
        };
        if (line is not null)
        {
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default) =>
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
}
