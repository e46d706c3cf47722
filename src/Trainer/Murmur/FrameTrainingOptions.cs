namespace HeartStream.Trainer.Murmur;

/// <summary>Optimisation settings of a frame model (defaults: the murmur model's shipped run).</summary>
public sealed record FrameTrainingOptions
{
    public int Epochs { get; init; } = 12;

    public int StepsPerEpoch { get; init; } = 150;

    public int BatchSize { get; init; } = 32;

    /// <summary>Training crop length in frames (5.12 s at 50 frames/s; also the serving window).</summary>
    public int CropFrames { get; init; } = 256;

    public double LearningRate { get; init; } = 3e-3;

    public double WeightDecay { get; init; } = 0.01;

    public int WarmupSteps { get; init; } = 60;

    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Class weights are frequency^-ClassWeightPower, normalised to mean 1.</summary>
    public double ClassWeightPower { get; init; } = 0.5;

    public int Seed { get; init; } = 20160;

    /// <summary>A recording shorter than this is "cannot tell" (evaluated and served alike; ~1 % of CirCor's).</summary>
    public double MinHeardSeconds { get; init; } = 8;

    /// <summary>A recording whose mean top frame posterior is below this is "cannot tell" (the model hears no clear heart).</summary>
    public double MinConfidence { get; init; } = 0.5;

    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
}
