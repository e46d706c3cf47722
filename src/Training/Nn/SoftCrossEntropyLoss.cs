namespace HeartStream.Training.Nn;

/// <summary>
/// Softmax + cross-entropy against soft targets (a teacher network's posteriors, for distillation):
/// loss = mean over kept frames of −Σ_k q[k]·log softmax(z)[k], torch <c>-(q * F.log_softmax(z, 1)).sum(1)</c> averaged
/// over the kept frames. Logits and targets are both [N, C] or [N, C, W] in the same layout; a frame whose target
/// values sum to 0 (padding, a recording without a teacher) is left out. When every frame is left out the loss and
/// gradient are 0.
/// </summary>
public sealed class SoftCrossEntropyLoss
{
    private Tensor? _gradient;

    /// <summary>d loss / d logits from the last <see cref="Compute"/> call (owned by this object, reused).</summary>
    public Tensor Gradient => _gradient ?? throw new InvalidOperationException("SoftCrossEntropyLoss.Compute has not been called.");

    /// <summary>Mean loss over the kept frames; also fills <see cref="Gradient"/>.</summary>
    public float Compute(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank is not (2 or 3))
        {
            throw new ArgumentException($"Soft cross-entropy logits must be [N, C] or [N, C, W]; got {logits}.", nameof(logits));
        }

        if (!logits.Shape.SequenceEqual(targets.Shape))
        {
            throw new ArgumentException($"Soft cross-entropy targets {targets} must have the logits' shape {logits}.", nameof(targets));
        }

        int n = logits.Dim(0), c = logits.Dim(1), w = logits.Rank == 3 ? logits.Dim(2) : 1;
        _gradient = Tensor.Reuse(_gradient, logits.Shape);
        float[] z = logits.Data, q = targets.Data, g = _gradient.Data;
        Array.Clear(g);
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < w; t++)
            {
                kept += Mass(q, (i * c * w) + t, c, w) > 0 ? 1 : 0;
            }
        }

        if (kept == 0)
        {
            return 0f;
        }

        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            int baseIndex = i * c * w;
            for (int t = 0; t < w; t++)
            {
                double mass = Mass(q, baseIndex + t, c, w);
                if (mass <= 0)
                {
                    continue;
                }

                double logSumExp = CrossEntropyLoss.LogSumExp(z, baseIndex + t, c, w);
                for (int k = 0; k < c; k++)
                {
                    int idx = baseIndex + (k * w) + t;
                    double logP = z[idx] - logSumExp;
                    loss -= q[idx] * logP;
                    g[idx] = (float)(((Math.Exp(logP) * mass) - q[idx]) / kept);
                }
            }
        }

        return (float)(loss / kept);
    }

    private static double Mass(float[] q, int first, int c, int stride)
    {
        double sum = 0;
        for (int k = 0; k < c; k++)
        {
            sum += q[first + (k * stride)];
        }

        return sum;
    }
}
