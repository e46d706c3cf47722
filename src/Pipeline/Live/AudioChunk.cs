namespace HeartStream.Pipeline.Live;

/// <summary>
/// A block of one device's samples on the capture edge. A struct over a pooled array, so the channel moves it without
/// allocating; <see cref="FirstSample"/> is its position in the device stream (gaps show dropped chunks) and
/// <see cref="ArrivalTimestamp"/> (<see cref="System.Diagnostics.Stopwatch"/> ticks) when it arrived, for latency.
/// </summary>
public readonly record struct AudioChunk(float[] Buffer, int Count, long FirstSample, long ArrivalTimestamp)
{
    /// <summary>The samples.</summary>
    public ReadOnlySpan<float> Samples => Buffer.AsSpan(0, Count);
}
