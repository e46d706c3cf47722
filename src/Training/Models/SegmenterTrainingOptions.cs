namespace HeartStream.Training.Models;

/// <summary>Hyper-parameters of <see cref="SegmenterTrainer"/>; the defaults are the shipped model's.</summary>
public sealed record SegmenterTrainingOptions
{
    /// <summary>TCN width (channels per layer).</summary>
    public int Channels { get; init; } = 32;

    /// <summary>TCN depth; dilations 1, 2, 4, … so the receptive field is 1 + (kernel − 1)(2^layers − 1) frames.</summary>
    public int Layers { get; init; } = 6;

    public int KernelSize { get; init; } = 5;

    /// <summary>One dilation per layer (overrides <see cref="Layers"/>); null = 1, 2, 4, … over <see cref="Layers"/> layers.</summary>
    public IReadOnlyList<int>? Dilations { get; init; }

    /// <summary>
    /// Future frames the network may see (<see cref="HeartStream.Training.Nn.ModelFactory.FuturePaddings"/>); -1 =
    /// centred layers (a symmetric receptive field). A bounded look-ahead, with a past that fits the live window, lets
    /// the live path compute the same posteriors as the offline pass.
    /// </summary>
    public int FutureFrames { get; init; } = -1;

    public double Dropout { get; init; } = 0.05;

    /// <summary>
    /// Weight of the distillation term: loss = (1 − w)·weighted CE on the labels + w·CE on the teacher's posteriors
    /// (<see cref="LabelledRecording.Teacher"/>, every training recording must have them); 0 = labels only.
    /// </summary>
    public double DistillWeight { get; init; }

    /// <summary>Frames per training window (also the serving window).</summary>
    public int WindowFrames { get; init; } = 256;

    /// <summary>Serving hop between windows.</summary>
    public int HopFrames { get; init; } = 128;

    public int BatchSize { get; init; } = 16;

    public int Epochs { get; init; } = 8;

    public int StepsPerEpoch { get; init; } = 120;

    public double LearningRate { get; init; } = 3e-3;

    public double WeightDecay { get; init; } = 1e-2;

    public int WarmupSteps { get; init; } = 60;

    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Epochs without a better validation F1 before stopping.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Validation recordings decoded with the HSMM and scored (F1 at 60 ms) after each epoch; 0 scores frame accuracy only.</summary>
    public int ValidationDecodeRecordings { get; init; } = 60;

    /// <summary>Stop after the epoch that passes this wall-clock budget.</summary>
    public double MaxMinutes { get; init; } = 25;

    /// <summary>Class weights ∝ frequency^−power (0 = unweighted, 1 = fully balanced).</summary>
    public double ClassWeightPower { get; init; } = 0.5;

    public int Seed { get; init; } = 20160;

    public double ToleranceSeconds { get; init; } = 0.06;
}
