using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Models;

/// <summary>
/// One recording ready for training: frame-major normalised frames (the serving features), per-frame state labels
/// (-1 where unannotated), and, for scoring after HSMM decoding, the reference sounds and the annotated span.
/// </summary>
public sealed record LabelledRecording(string Id, float[] Features, int[] Labels, IReadOnlyList<HeartSound> Reference, AnnotatedSpan Span)
{
    public int Frames => Labels.Length;
}
