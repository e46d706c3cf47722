namespace HeartStream.Training.Nn;

/// <summary>
/// AdamW with decoupled weight decay, matching torch.optim.AdamW (1.13, amsgrad=False): p ← p·(1 − lr·λ), then the
/// bias-corrected Adam step p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). Updates are computed in double per element.
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;

    public AdamW(
        IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters.Where(p => p.Trainable)];
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW betas must be in [0, 1); got ({beta1}, {beta2}).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(learningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _m = [.. _parameters.Select(p => new float[p.Value.Length])];
        _v = [.. _parameters.Select(p => new float[p.Value.Length])];
    }

    /// <summary>Current learning rate; a schedule sets it before each <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    /// <summary>Number of steps taken (torch's per-parameter "step").</summary>
    public int StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Applies one update from the accumulated gradients.</summary>
    public void Step()
    {
        StepCount++;
        double lr = LearningRate;
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        double stepSize = lr / bc1;
        for (int pi = 0; pi < _parameters.Length; pi++)
        {
            Parameter p = _parameters[pi];
            float[] value = p.Value, grad = p.Grad, m = _m[pi], v = _v[pi];
            double decay = p.ApplyWeightDecay ? 1 - (lr * WeightDecay) : 1;
            for (int i = 0; i < value.Length; i++)
            {
                double g = grad[i];
                double mi = (Beta1 * m[i]) + ((1 - Beta1) * g);
                double vi = (Beta2 * v[i]) + ((1 - Beta2) * g * g);
                m[i] = (float)mi;
                v[i] = (float)vi;
                double denom = (Math.Sqrt(vi) / bc2Sqrt) + Epsilon;
                value[i] = (float)((value[i] * decay) - (stepSize * mi / denom));
            }
        }
    }

    /// <summary>Zeroes the gradients of all optimised parameters.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter p in _parameters)
        {
            p.ZeroGrad();
        }
    }
}
