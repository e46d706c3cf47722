namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Springer's emission model: one logistic regression per state (that state vs the rest) on the frame's feature
/// channels. <see cref="Predict"/> normalises the four one-vs-rest probabilities to sum to 1 per frame, which does not
/// change the HSMM's choice (a per-frame constant factor is shared by all paths) but makes them usable as posteriors.
/// Immutable and thread-safe; prediction allocates nothing.
/// </summary>
public sealed class LogisticEmissionModel
{
    /// <summary>Number of states (S1, systole, S2, diastole).</summary>
    public const int States = 4;

    private readonly float[] _weights;

    /// <param name="weights">Row-major [state][1 + channels]: bias first, then one weight per channel.</param>
    /// <param name="channels">Feature channels per frame.</param>
    public LogisticEmissionModel(ReadOnlySpan<double> weights, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (weights.Length != States * (channels + 1))
        {
            throw new ArgumentException($"expected {States} x (1 + {channels}) = {States * (channels + 1)} weights, got {weights.Length}", nameof(weights));
        }

        _weights = new float[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            if (!double.IsFinite(weights[i]))
            {
                throw new ArgumentException($"weight {i} is not finite ({weights[i]})", nameof(weights));
            }

            _weights[i] = (float)weights[i];
        }

        Channels = channels;
    }

    public int Channels { get; }

    /// <summary>Weight of <paramref name="channel"/> (-1 = bias) for <paramref name="state"/>.</summary>
    public float Weight(HeartState state, int channel)
    {
        if ((uint)state >= States || channel < -1 || channel >= Channels)
        {
            throw new ArgumentOutOfRangeException(nameof(channel), $"state {state}, channel {channel} outside 4 x (bias + {Channels})");
        }

        return _weights[((int)state * (Channels + 1)) + 1 + channel];
    }

    /// <summary>Copies the weights (row-major [state][bias, channels...]) as doubles, e.g. for saving.</summary>
    public double[] GetWeights() => Array.ConvertAll(_weights, w => (double)w);

    /// <summary>
    /// P(state | features) for every frame: <paramref name="features"/> is frame-major T x channels,
    /// <paramref name="posteriors"/> frame-major T x 4.
    /// </summary>
    public void Predict(ReadOnlySpan<float> features, int channels, Span<float> posteriors)
    {
        if (channels != Channels)
        {
            throw new ArgumentException($"model was trained on {Channels} channels, features have {channels}", nameof(channels));
        }

        if (features.Length % channels != 0)
        {
            throw new ArgumentException($"features length {features.Length} is not a multiple of {channels} channels", nameof(features));
        }

        int frames = features.Length / channels;
        if (posteriors.Length != frames * States)
        {
            throw new ArgumentException($"posteriors must have {frames} x {States} = {frames * States} values, got {posteriors.Length}", nameof(posteriors));
        }

        ReadOnlySpan<float> w = _weights;
        int row = channels + 1;
        for (int t = 0; t < frames; t++)
        {
            ReadOnlySpan<float> x = features.Slice(t * channels, channels);
            Span<float> p = posteriors.Slice(t * States, States);
            float zMax = float.NegativeInfinity;
            for (int s = 0; s < States; s++)
            {
                ReadOnlySpan<float> ws = w.Slice(s * row, row);
                float z = ws[0];
                for (int c = 0; c < channels; c++)
                {
                    z += ws[c + 1] * x[c];
                }

                if (!float.IsFinite(z))
                {
                    throw new ArgumentException($"features at frame {t} are not finite", nameof(features));
                }

                p[s] = z;
                zMax = MathF.Max(zMax, z);
            }

            // sigmoid(z) ~ exp(z) for very negative z; shifting by zMax there keeps the ratios when all four underflow.
            float shift = zMax < -60f ? zMax : 0f;
            float sum = 0;
            for (int s = 0; s < States; s++)
            {
                float z = p[s];
                float ps = shift == 0f ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z - shift);
                p[s] = ps;
                sum += ps;
            }

            float inv = 1f / sum;
            p[0] *= inv;
            p[1] *= inv;
            p[2] *= inv;
            p[3] *= inv;
        }
    }
}
