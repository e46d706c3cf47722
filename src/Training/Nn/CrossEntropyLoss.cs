namespace HeartStream.Training.Nn;

/// <summary>
/// Softmax + weighted cross-entropy with an ignore index, torch F.cross_entropy(weight, ignore_index, 'mean')
/// semantics: loss = Σ w[y]·(−log softmax(z)[y]) / Σ w[y] over non-ignored targets. Logits are [N, C] (classification,
/// targets[n]) or [N, C, W] (per-frame segmentation, targets[n·W + t]). When every target is ignored the loss and
/// gradient are 0 (torch would return NaN, which would poison training).
/// </summary>
public sealed class CrossEntropyLoss
{
    private readonly float[]? _classWeights;
    private Tensor? _gradient;

    /// <param name="classWeights">Per-class weights (length C), or null for all ones.</param>
    /// <param name="ignoreIndex">Target value that marks an unannotated frame (masked out).</param>
    public CrossEntropyLoss(float[]? classWeights = null, int ignoreIndex = -1)
    {
        if (classWeights is not null && Array.Exists(classWeights, w => !(w >= 0) || float.IsInfinity(w)))
        {
            throw new ArgumentException("Class weights must be finite and non-negative.", nameof(classWeights));
        }

        _classWeights = classWeights is null ? null : (float[])classWeights.Clone();
        IgnoreIndex = ignoreIndex;
    }

    public int IgnoreIndex { get; }

    /// <summary>d loss / d logits from the last <see cref="Compute"/> call (owned by this object, reused).</summary>
    public Tensor Gradient => _gradient ?? throw new InvalidOperationException("CrossEntropyLoss.Compute has not been called.");

    /// <summary>Mean weighted loss over non-ignored targets; also fills <see cref="Gradient"/>.</summary>
    public float Compute(Tensor logits, ReadOnlySpan<int> targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank is not (2 or 3))
        {
            throw new ArgumentException($"Cross-entropy logits must be [N, C] or [N, C, W]; got {logits}.", nameof(logits));
        }

        int n = logits.Dim(0), c = logits.Dim(1), w = logits.Rank == 3 ? logits.Dim(2) : 1;
        if (targets.Length != n * w)
        {
            throw new ArgumentException($"Cross-entropy needs {n * w} targets for logits {logits} but got {targets.Length}.", nameof(targets));
        }

        if (_classWeights is not null && _classWeights.Length != c)
        {
            throw new ArgumentException($"Cross-entropy has {_classWeights.Length} class weights but the logits have {c} classes.", nameof(logits));
        }

        _gradient = Tensor.Reuse(_gradient, logits.Shape);
        float[] z = logits.Data, g = _gradient.Data;
        Array.Clear(g);
        double weightSum = 0;
        foreach (int y in targets)
        {
            if (y == IgnoreIndex)
            {
                continue;
            }

            if ((uint)y >= (uint)c)
            {
                throw new ArgumentException($"Cross-entropy target {y} is outside [0, {c}) and is not the ignore index {IgnoreIndex}.", nameof(targets));
            }

            weightSum += _classWeights?[y] ?? 1f;
        }

        if (weightSum <= 0)
        {
            return 0f;
        }

        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            int baseIndex = i * c * w;
            for (int t = 0; t < w; t++)
            {
                int y = targets[(i * w) + t];
                if (y == IgnoreIndex)
                {
                    continue;
                }

                double logSumExp = LogSumExp(z, baseIndex + t, c, w);
                double weight = _classWeights?[y] ?? 1f;
                loss += weight * (logSumExp - z[baseIndex + (y * w) + t]);
                double scale = weight / weightSum;
                for (int k = 0; k < c; k++)
                {
                    int idx = baseIndex + (k * w) + t;
                    double p = Math.Exp(z[idx] - logSumExp);
                    g[idx] = (float)(scale * (k == y ? p - 1 : p));
                }
            }
        }

        return (float)(loss / weightSum);
    }

    /// <summary>log Σ_k exp(z[first + k·stride]) over <paramref name="classes"/> values, computed stably (max shifted out).</summary>
    internal static double LogSumExp(float[] z, int first, int classes, int stride)
    {
        double max = double.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            max = Math.Max(max, z[first + (k * stride)]);
        }

        double sumExp = 0;
        for (int k = 0; k < classes; k++)
        {
            sumExp += Math.Exp(z[first + (k * stride)] - max);
        }

        return max + Math.Log(sumExp);
    }
}
