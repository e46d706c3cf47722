namespace HeartStream.Pipeline.Events;

/// <summary>
/// A display envelope of a device's audio (the web bedside view): <see cref="Peaks"/> holds the largest |sample| of each
/// 1 / <see cref="PointsPerSecond"/> s of audio from <see cref="StartSeconds"/> on (device time, like the beats), so a
/// viewer can draw the heart sound and mark S1/S2 on it. Emitted only when <c>Pipeline:WaveformPointsPerSecond</c> > 0;
/// <see cref="PipelineEvent.StreamTimeSeconds"/> is the end of the block.
/// </summary>
public sealed record WaveformEvent(string DeviceId, double StreamTimeSeconds, double StartSeconds, int PointsPerSecond, float[] Peaks)
    : PipelineEvent(DeviceId, StreamTimeSeconds);
