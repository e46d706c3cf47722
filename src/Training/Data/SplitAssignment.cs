namespace HeartStream.Training.Data;

/// <summary>One recording and the split part its patient was assigned to.</summary>
public readonly record struct SplitAssignment(RecordingInfo Recording, SplitPart Part);
