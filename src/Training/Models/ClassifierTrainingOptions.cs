namespace HeartStream.Training.Models;

/// <summary>Hyper-parameters of <see cref="ClassifierTrainer"/>; the defaults are the shipped models'.</summary>
public sealed record ClassifierTrainingOptions
{
    public int Width { get; init; } = 32;

    public int WindowFrames { get; init; } = 256;

    public int HopFrames { get; init; } = 128;

    public int BatchSize { get; init; } = 32;

    public int Epochs { get; init; } = 12;

    public int StepsPerEpoch { get; init; } = 100;

    public double LearningRate { get; init; } = 3e-3;

    public double WeightDecay { get; init; } = 1e-2;

    public int WarmupSteps { get; init; } = 50;

    public double ClipNorm { get; init; } = 1.0;

    public double Dropout { get; init; } = 0.2;

    public int Patience { get; init; } = 4;

    public double MaxMinutes { get; init; } = 15;

    public int Seed { get; init; } = 20160;
}
