using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;

namespace HeartStream.Training.Evaluation;

/// <summary>One recording with its reference sounds and the span in which they are complete.</summary>
public sealed record SegmentationBenchmarkCase(RecordingInfo Recording, IReadOnlyList<HeartSound> Reference, AnnotatedSpan Span);
