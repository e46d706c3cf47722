namespace HeartStream.Training.Models;

/// <summary>One recording for a classifier: frame-major normalised frames, its class index and its patient.</summary>
public sealed record LabelledClip(string Id, string PatientId, float[] Features, int Label);
