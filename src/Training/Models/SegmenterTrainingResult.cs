using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Onnx;

namespace HeartStream.Training.Models;

/// <summary>
/// A trained segmenter: the best epoch's exported graph (input "features" [batch, C, time], output "posteriors" with a
/// softmax over states), its parameter count, its HSMM decoder parameters, the training history, and the largest
/// difference between the graph in ONNX Runtime and the trainer's forward pass on a real recording.
/// </summary>
public sealed record SegmenterTrainingResult(
    OnnxGraphBuilder Graph,
    int ParameterCount,
    SegmenterParameters Decoder,
    IReadOnlyList<SegmenterEpoch> History,
    SegmenterEpoch Best,
    double TrainingSeconds,
    string Architecture,
    float OnnxMaxDifference);
