namespace HeartStream.Training.Nn;

/// <summary>
/// Linear warm-up from peak/warmup to <see cref="PeakLearningRate"/> over <see cref="WarmupSteps"/>, then a half-cosine
/// decay to <see cref="MinLearningRate"/> at <see cref="TotalSteps"/> (held there afterwards). Warm-up keeps early
/// Adam steps small while its variance estimate is still noisy.
/// </summary>
public sealed class WarmupCosineSchedule : ILearningRateSchedule
{
    public WarmupCosineSchedule(double peakLearningRate, int warmupSteps, int totalSteps, double minLearningRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(totalSteps, warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(minLearningRate);
        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        MinLearningRate = minLearningRate;
    }

    public double PeakLearningRate { get; }

    public int WarmupSteps { get; }

    public int TotalSteps { get; }

    public double MinLearningRate { get; }

    public double LearningRateAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps));
        return MinLearningRate + (0.5 * (PeakLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}
