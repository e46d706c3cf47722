namespace HeartStream.Training.Models;

/// <summary>One epoch's figures: mean training loss, validation frame accuracy and (when decoded) F1 at the tolerance.</summary>
public sealed record SegmenterEpoch(int Epoch, double TrainLoss, double LearningRate, double ValFrameAccuracy, double? ValF1, double Seconds);
