namespace HeartStream.Training.Nn;

/// <summary>
/// Linear warm-up to <see cref="PeakLearningRate"/>, then multiplied by <see cref="Gamma"/> every
/// <see cref="StepSize"/> steps after warm-up (torch StepLR after a warm-up phase).
/// </summary>
public sealed class WarmupStepSchedule : ILearningRateSchedule
{
    public WarmupStepSchedule(double peakLearningRate, int warmupSteps, int stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (gamma is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Step-schedule gamma must be in (0, 1].");
        }

        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
        StepSize = stepSize;
        Gamma = gamma;
    }

    public double PeakLearningRate { get; }

    public int WarmupSteps { get; }

    public int StepSize { get; }

    public double Gamma { get; }

    public double LearningRateAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        return PeakLearningRate * Math.Pow(Gamma, (step - WarmupSteps) / StepSize);
    }
}
