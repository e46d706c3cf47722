namespace HeartStream.Trainer.Torch;

/// <summary>Learning-rate schedules of the trainers (set on the optimiser's parameter groups before each step).</summary>
public static class LearningRate
{
    /// <summary>
    /// Linear warm-up from peak/warmup to <paramref name="peak"/> over <paramref name="warmupSteps"/>, then a half-cosine
    /// decay to <paramref name="floor"/> at <paramref name="totalSteps"/> (held there afterwards). Warm-up keeps early
    /// Adam steps small while its variance estimate is still noisy.
    /// </summary>
    public static double WarmupCosine(double peak, int warmupSteps, int step, int totalSteps, double floor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < warmupSteps)
        {
            return peak * (step + 1) / warmupSteps;
        }

        double progress = Math.Min(1.0, (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps));
        return floor + (0.5 * (peak - floor) * (1 + Math.Cos(Math.PI * progress)));
    }
}
