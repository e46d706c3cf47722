using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Models;

/// <summary>
/// The trained network (best epoch restored), its HSMM decoder parameters and the training history;
/// <see cref="FutureFrames"/>/<see cref="PastFrames"/>: its context when its look-ahead is bounded (null when centred).
/// </summary>
public sealed record SegmenterTrainingResult(
    Sequential Model,
    SegmenterParameters Decoder,
    IReadOnlyList<SegmenterEpoch> History,
    SegmenterEpoch Best,
    double TrainingSeconds,
    string Architecture,
    int? FutureFrames = null,
    int? PastFrames = null);
