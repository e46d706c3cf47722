namespace HeartStream.Trainer.Segmenter;

/// <summary>
/// Hyper-parameters of <see cref="SegmenterTrainer"/>; the defaults are segmenter-tcn 1.2.0's run (width 40, kernel 5,
/// 7 layers with dilations 1…64 as in 1.x, 40 epochs of 200 steps, every validation recording decoded each epoch).
/// </summary>
public sealed record SegmenterTrainingOptions
{
    /// <summary>TCN width (channels per layer).</summary>
    public int Channels { get; init; } = 40;

    /// <summary>TCN depth: the stem (dilation 1) and residual layers with dilations 2, 4, …; receptive field 1 + (kernel − 1)(2^layers − 1).</summary>
    public int Layers { get; init; } = 7;

    public int KernelSize { get; init; } = 5;

    public double Dropout { get; init; } = 0.05;

    /// <summary>Frames per training window (also the serving window).</summary>
    public int WindowFrames { get; init; } = 256;

    /// <summary>Serving hop between windows.</summary>
    public int HopFrames { get; init; } = 128;

    public int BatchSize { get; init; } = 16;

    public int Epochs { get; init; } = 40;

    public int StepsPerEpoch { get; init; } = 200;

    public double LearningRate { get; init; } = 3e-3;

    public double WeightDecay { get; init; } = 1e-2;

    public int WarmupSteps { get; init; } = 60;

    /// <summary>The cosine decay ends at this share of the learning rate.</summary>
    public double FinalLearningRateShare { get; init; } = 0.02;

    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Epochs without a better validation F1 before stopping.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>
    /// Validation recordings (the first N) decoded with the HSMM and scored (F1 at 60 ms) after each epoch; -1 = all
    /// (the default: on 60 of them the epoch picked was noise), 0 = frame accuracy only.
    /// </summary>
    public int ValidationDecodeRecordings { get; init; } = -1;

    /// <summary>Stop after the epoch that passes this wall-clock budget.</summary>
    public double MaxMinutes { get; init; } = 20;

    /// <summary>Class weights ∝ frequency^−power (0 = unweighted, 1 = fully balanced).</summary>
    public double ClassWeightPower { get; init; } = 0.5;

    public int Seed { get; init; } = 20160;

    public double ToleranceSeconds { get; init; } = 0.06;

    /// <summary>TorchSharp's intra-op threads.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Dilation of each layer: 1, 2, 4, … (the first is the stem).</summary>
    public IReadOnlyList<int> Dilations => [.. Enumerable.Range(0, Layers).Select(i => 1 << i)];
}
