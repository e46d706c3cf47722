namespace HeartStream.Pipeline.Protocol;

/// <summary>One S1 or S2 in a <see cref="BeatsPayload"/>; times are stream seconds.</summary>
public sealed record BeatPayload(string Sound, double StartSeconds, double EndSeconds);
