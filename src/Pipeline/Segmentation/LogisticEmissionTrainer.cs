namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Fits <see cref="LogisticEmissionModel"/>: for each state a binary logistic regression (state vs rest, as Springer),
/// class-balanced (positives and negatives each carry half the total weight, Springer balanced by subsampling; weighting
/// uses every frame and is deterministic) with an L2 penalty on the channel weights (not the bias) so separable data
/// still has a unique, finite optimum. Solved by Newton's method (IRLS) with a backtracking line search, accumulating
/// in double in frame order, so the same data always gives the same weights.
/// </summary>
/// <remarks>
/// Objective per state j: sum_n c_n [log(1 + e^{z_n}) - y_n z_n] + (l2 / 2) |w|^2, with z_n = b + w.x_n,
/// c_n = 0.5 / N_pos for frames of state j and 0.5 / N_neg for the others; frames labelled -1 are ignored.
/// Because of the balancing, the resulting posteriors are calibrated to equal state priors (0.25 each).
/// </remarks>
public static class LogisticEmissionTrainer
{
    private const int States = LogisticEmissionModel.States;

    /// <summary>Fits on several recordings; features[i] is frame-major T_i x channels, labels[i] has T_i entries.</summary>
    /// <param name="labels">Per frame: a <see cref="HeartState"/> value 0..3, or -1 to ignore the frame.</param>
    public static LogisticEmissionModel Fit(
        IReadOnlyList<float[]> features, IReadOnlyList<int[]> labels, int channels, double l2 = 1e-3, int maxIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (!(l2 >= 0) || !double.IsFinite(l2))
        {
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "L2 penalty must be finite and >= 0");
        }

        if (features.Count != labels.Count)
        {
            throw new ArgumentException($"{features.Count} feature arrays but {labels.Count} label arrays", nameof(labels));
        }

        Span<long> counts = stackalloc long[States];
        long used = 0;
        for (int r = 0; r < features.Count; r++)
        {
            float[] f = features[r] ?? throw new ArgumentException($"features[{r}] is null", nameof(features));
            int[] y = labels[r] ?? throw new ArgumentException($"labels[{r}] is null", nameof(labels));
            if (f.Length != y.Length * channels)
            {
                throw new ArgumentException($"recording {r}: {f.Length} feature values for {y.Length} labels x {channels} channels", nameof(features));
            }

            for (int t = 0; t < y.Length; t++)
            {
                if (y[t] == -1)
                {
                    continue;
                }

                if ((uint)y[t] >= States)
                {
                    throw new ArgumentException($"recording {r}, frame {t}: label {y[t]} is not -1 or a state 0..3", nameof(labels));
                }

                for (int c = 0; c < channels; c++)
                {
                    if (!float.IsFinite(f[(t * channels) + c]))
                    {
                        throw new ArgumentException($"recording {r}, frame {t}, channel {c}: feature is not finite", nameof(features));
                    }
                }

                counts[y[t]]++;
                used++;
            }
        }

        int dim = channels + 1;
        var weights = new double[States * dim];
        for (int j = 0; j < States; j++)
        {
            long positives = counts[j];
            long negatives = used - positives;
            if (positives == 0 || negatives == 0)
            {
                throw new ArgumentException($"state {(HeartState)j} has {positives} labelled frames and the rest {negatives}; both classes are needed", nameof(labels));
            }

            FitOne(features, labels, channels, j, 0.5 / positives, 0.5 / negatives, l2, maxIterations, weights.AsSpan(j * dim, dim));
        }

        return new LogisticEmissionModel(weights, channels);
    }

    private static void FitOne(
        IReadOnlyList<float[]> features, IReadOnlyList<int[]> labels, int channels, int state,
        double positiveWeight, double negativeWeight, double l2, int maxIterations, Span<double> beta)
    {
        int dim = channels + 1;
        var gradient = new double[dim];
        var hessian = new double[dim * dim];
        var step = new double[dim];
        var trial = new double[dim];
        var x = new double[dim];
        beta.Clear();
        double loss = Evaluate(features, labels, channels, state, positiveWeight, negativeWeight, l2, beta, x, null, null);

        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            Evaluate(features, labels, channels, state, positiveWeight, negativeWeight, l2, beta, x, gradient, hessian);
            gradient.CopyTo(step, 0);
            CholeskySolve(hessian, step, dim);

            double scale = 1.0;
            double newLoss = loss;
            for (int halving = 0; halving < 40; halving++)
            {
                for (int k = 0; k < dim; k++)
                {
                    trial[k] = beta[k] - (scale * step[k]);
                }

                newLoss = Evaluate(features, labels, channels, state, positiveWeight, negativeWeight, l2, trial, x, null, null);
                if (newLoss <= loss)
                {
                    break;
                }

                scale *= 0.5;
            }

            if (!(newLoss <= loss))
            {
                break;
            }

            double maxStep = 0;
            for (int k = 0; k < dim; k++)
            {
                maxStep = Math.Max(maxStep, Math.Abs(trial[k] - beta[k]));
                beta[k] = trial[k];
            }

            loss = newLoss;
            if (maxStep < 1e-10)
            {
                break;
            }
        }
    }

    /// <summary>Loss; when gradient/hessian are given, also fills them (Hessian includes the L2 ridge).</summary>
    private static double Evaluate(
        IReadOnlyList<float[]> features, IReadOnlyList<int[]> labels, int channels, int state,
        double positiveWeight, double negativeWeight, double l2, ReadOnlySpan<double> beta, double[] x,
        double[]? gradient, double[]? hessian)
    {
        int dim = channels + 1;
        gradient?.AsSpan().Clear();
        hessian?.AsSpan().Clear();
        double loss = 0;
        x[0] = 1.0;
        for (int r = 0; r < features.Count; r++)
        {
            float[] f = features[r];
            int[] y = labels[r];
            for (int t = 0; t < y.Length; t++)
            {
                if (y[t] < 0)
                {
                    continue;
                }

                double z = beta[0];
                for (int c = 0; c < channels; c++)
                {
                    x[c + 1] = f[(t * channels) + c];
                    z += beta[c + 1] * x[c + 1];
                }

                bool positive = y[t] == state;
                double weight = positive ? positiveWeight : negativeWeight;

                // log(1 + e^z) - y z, computed without overflow.
                double softplus = Math.Max(z, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(z)));
                loss += weight * (softplus - (positive ? z : 0.0));
                if (gradient is null || hessian is null)
                {
                    continue;
                }

                double p = 1.0 / (1.0 + Math.Exp(-z));
                double g = weight * (p - (positive ? 1.0 : 0.0));
                double h = weight * p * (1.0 - p);
                for (int a = 0; a < dim; a++)
                {
                    gradient[a] += g * x[a];
                    double hx = h * x[a];
                    for (int b = 0; b <= a; b++)
                    {
                        hessian[(a * dim) + b] += hx * x[b];
                    }
                }
            }
        }

        for (int k = 1; k < dim; k++)
        {
            loss += 0.5 * l2 * beta[k] * beta[k];
        }

        if (gradient is not null && hessian is not null)
        {
            for (int k = 1; k < dim; k++)
            {
                gradient[k] += l2 * beta[k];
                hessian[(k * dim) + k] += l2;
            }

            for (int a = 0; a < dim; a++)
            {
                for (int b = a + 1; b < dim; b++)
                {
                    hessian[(a * dim) + b] = hessian[(b * dim) + a];
                }
            }
        }

        return loss;
    }

    /// <summary>Solves H s = g in place (s holds g on entry); a tiny jitter keeps a singular H (e.g. l2 = 0) usable.</summary>
    private static void CholeskySolve(double[] h, double[] s, int n)
    {
        var l = new double[n * n];
        double jitter = 0;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            bool ok = true;
            for (int i = 0; i < n && ok; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    double sum = h[(i * n) + j] + (i == j ? jitter : 0.0);
                    for (int k = 0; k < j; k++)
                    {
                        sum -= l[(i * n) + k] * l[(j * n) + k];
                    }

                    if (i == j)
                    {
                        if (!(sum > 0))
                        {
                            ok = false;
                            break;
                        }

                        l[(i * n) + i] = Math.Sqrt(sum);
                    }
                    else
                    {
                        l[(i * n) + j] = sum / l[(j * n) + j];
                    }
                }
            }

            if (ok)
            {
                break;
            }

            jitter = jitter == 0 ? 1e-12 : jitter * 100;
        }

        for (int i = 0; i < n; i++)
        {
            double sum = s[i];
            for (int k = 0; k < i; k++)
            {
                sum -= l[(i * n) + k] * s[k];
            }

            s[i] = sum / l[(i * n) + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double sum = s[i];
            for (int k = i + 1; k < n; k++)
            {
                sum -= l[(k * n) + i] * s[k];
            }

            s[i] = sum / l[(i * n) + i];
        }
    }
}
