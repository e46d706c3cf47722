namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Turns per-frame state posteriors P(s|o) into the scaled likelihoods the HSMM needs, P(o|s) proportional to
/// P(s|o)/P(s) (Bayes; the P(o) factor is the same for every path through the recording, so it drops out of Viterbi).
/// Shared by the logistic baseline and the neural model.
/// </summary>
public static class EmissionLikelihood
{
    /// <summary>Number of HSMM states.</summary>
    public const int States = 4;

    /// <param name="posteriors">Frame-major T x 4 posteriors.</param>
    /// <param name="priors">The 4 state priors the posteriors were calibrated under (all &gt; 0).</param>
    /// <param name="likelihoods">Frame-major T x 4 output; may be the same memory as <paramref name="posteriors"/>.</param>
    public static void FromPosteriors(ReadOnlySpan<float> posteriors, ReadOnlySpan<float> priors, Span<float> likelihoods)
    {
        if (priors.Length != States)
        {
            throw new ArgumentException($"priors must have {States} entries, got {priors.Length}", nameof(priors));
        }

        if (posteriors.Length % States != 0 || likelihoods.Length != posteriors.Length)
        {
            throw new ArgumentException(
                $"posteriors ({posteriors.Length}) must be a multiple of {States} and likelihoods ({likelihoods.Length}) the same length",
                nameof(likelihoods));
        }

        Span<float> inverse = stackalloc float[States];
        for (int s = 0; s < States; s++)
        {
            if (!(priors[s] > 0) || !float.IsFinite(priors[s]))
            {
                throw new ArgumentException($"prior of state {(HeartState)s} must be positive and finite, got {priors[s]}", nameof(priors));
            }

            inverse[s] = 1f / priors[s];
        }

        for (int i = 0; i < posteriors.Length; i += States)
        {
            likelihoods[i] = posteriors[i] * inverse[0];
            likelihoods[i + 1] = posteriors[i + 1] * inverse[1];
            likelihoods[i + 2] = posteriors[i + 2] * inverse[2];
            likelihoods[i + 3] = posteriors[i + 3] * inverse[3];
        }
    }
}
