using System.Numerics.Tensors;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>
/// The HSMM decoder exactly as it was before the vectorised kernel (commit 98f7527, src/Pipeline/Segmentation/HsmmDecoder.cs,
/// renamed): a scalar arg-max over durations stored during the forward pass. Kept as the trusted reference the fast
/// decoder must match state for state and score for score; do not optimise it.
/// </summary>
internal sealed class ReferenceHsmmDecoder
{
    private const int States = 4;

    /// <summary>Emission probabilities are floored here before the log so a zero never makes a path impossible.</summary>
    private const float EmissionFloor = 1e-30f;

    private static readonly double s_logInitial = Math.Log(0.25);

    private readonly DurationParameters _durationParameters;
    private readonly double _frameRate;
    private readonly int _maxFrames;
    private readonly int _stride;
    private readonly int _maxDuration;

    // State-major [state * _stride + t], t = 0..T (prefix-sum convention: index t = "before frame t").
    private readonly double[] _cumulative;
    private readonly double[] _entry;
    private readonly int[] _duration;

    // [state * (_maxDuration + 1) + d]
    private readonly double[] _logDuration;
    private readonly double[] _logCensored;
    private readonly double[] _logDurationReversed;
    private readonly float[] _logEmission;
    private readonly StateDuration[] _durations = new StateDuration[States];

    /// <param name="maxFrames">Longest emission sequence (frames) this instance decodes.</param>
    /// <param name="durations">Duration model; Springer's defaults when null.</param>
    /// <param name="frameRate">Frames per second of the emissions.</param>
    public ReferenceHsmmDecoder(int maxFrames, DurationParameters? durations = null, double frameRate = AnalysisRate.FrameRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        if (!(frameRate > 0) || !double.IsFinite(frameRate))
        {
            throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, "frame rate must be a positive finite number of Hz");
        }

        _durationParameters = durations ?? new DurationParameters();
        _durationParameters.Validate();
        _frameRate = frameRate;
        _maxFrames = maxFrames;
        _stride = maxFrames + 1;
        _maxDuration = (int)Math.Ceiling(DurationParameters.MaxStateSeconds * frameRate);
        _cumulative = new double[States * _stride];
        _entry = new double[States * _stride];
        _duration = new int[States * _stride];
        _logDuration = new double[States * (_maxDuration + 1)];
        _logCensored = new double[States * (_maxDuration + 1)];
        _logDurationReversed = new double[States * (_maxDuration + 1)];
        _logEmission = new float[maxFrames * States];
    }

    /// <summary>Longest sequence accepted.</summary>
    public int MaxFrames => _maxFrames;

    /// <summary>The duration model in use.</summary>
    public DurationParameters Durations => _durationParameters;

    /// <summary>Decodes into a new array (convenience; allocates the result).</summary>
    public HeartState[] Decode(ReadOnlySpan<float> emissionLikelihoods, HeartRateEstimate heartRate)
    {
        var states = new HeartState[emissionLikelihoods.Length / States];
        Decode(emissionLikelihoods, heartRate, states);
        return states;
    }

    /// <summary>
    /// Most likely state sequence for frame-major T x 4 emission likelihoods P(o_t|s) (any positive scale; the
    /// logistic or neural posteriors divided by the state priors, see <see cref="EmissionLikelihood"/>).
    /// </summary>
    /// <returns>Log score of the best path (comparable only between calls with the same T and heart rate).</returns>
    public double Decode(ReadOnlySpan<float> emissionLikelihoods, HeartRateEstimate heartRate, Span<HeartState> states) =>
        Decode(emissionLikelihoods, heartRate, _durationParameters, states);

    /// <summary>As above with another duration model for this call (e.g. from a loaded <see cref="SegmenterParameters"/>).</summary>
    public double Decode(ReadOnlySpan<float> emissionLikelihoods, HeartRateEstimate heartRate, DurationParameters durations, Span<HeartState> states)
    {
        ArgumentNullException.ThrowIfNull(durations);
        if (!ReferenceEquals(durations, _durationParameters))
        {
            durations.Validate();
        }

        if (emissionLikelihoods.Length % States != 0 || emissionLikelihoods.Length == 0)
        {
            throw new ArgumentException($"emissions must be a non-empty multiple of {States} values (frame-major T x {States}), got {emissionLikelihoods.Length}", nameof(emissionLikelihoods));
        }

        int frames = emissionLikelihoods.Length / States;
        if (frames > _maxFrames)
        {
            throw new ArgumentException($"emissions have {frames} frames but this decoder was sized for at most {_maxFrames}", nameof(emissionLikelihoods));
        }

        if (states.Length != frames)
        {
            throw new ArgumentException($"states has length {states.Length}, expected one per frame ({frames})", nameof(states));
        }

        durations.ComputeFrames(heartRate, _frameRate, _durations);
        BuildDurationTables();
        BuildPrefixSums(emissionLikelihoods, frames);

        double[] cumulative = _cumulative;
        double[] entry = _entry;
        int[] duration = _duration;
        int stride = _stride;
        int durStride = _maxDuration + 1;

        // entry[j, s] = best score of frames [0, s) ending with the predecessor of j, minus C_j(s); -inf at s = 0
        // because a segment starting at frame 0 is handled as start-censored instead.
        for (int j = 0; j < States; j++)
        {
            entry[j * stride] = double.NegativeInfinity;
        }

        for (int t = 1; t < frames; t++)
        {
            for (int j = 0; j < States; j++)
            {
                StateDuration sd = _durations[j];
                int baseJ = j * stride;
                int baseD = j * durStride;
                double best = double.NegativeInfinity;
                int bestD = 0;
                if (t <= sd.Max)
                {
                    best = s_logInitial + _logCensored[baseD + t];
                    bestD = t;
                }

                int dHi = Math.Min(sd.Max, t - 1);
                int count = dHi - sd.Min + 1;
                if (count > 0)
                {
                    // Segment starts s = t - dHi .. t - Min, walked forwards against the reversed duration table
                    // (reversed[i] = log p(Max - i)), so both spans index alike and bounds checks vanish.
                    int sLo = t - dHi;
                    ReadOnlySpan<double> en = entry.AsSpan(baseJ + sLo, count);
                    ReadOnlySpan<double> rv = _logDurationReversed.AsSpan(baseD + sd.Max - dHi, count);
                    int bestI = -1;
                    for (int i = 0; i < en.Length && i < rv.Length; i++)
                    {
                        double v = en[i] + rv[i];
                        if (v > best)
                        {
                            best = v;
                            bestI = i;
                        }
                    }

                    if (bestI >= 0)
                    {
                        bestD = t - (sLo + bestI);
                    }
                }

                // Store the full segment score for state j ending at t in the slot of the successor's entry.
                duration[baseJ + t] = bestD;
                int next = (j + 1) & 3;
                entry[(next * stride) + t] = best + cumulative[baseJ + t] - cumulative[(next * stride) + t];
            }
        }

        // Termination: the last segment is censored by the end of the signal.
        double total = double.NegativeInfinity;
        int lastState = 0;
        int lastStart = 0;
        for (int j = 0; j < States; j++)
        {
            StateDuration sd = _durations[j];
            int baseJ = j * stride;
            int baseD = j * durStride;
            double cEnd = cumulative[baseJ + frames];
            if (frames <= sd.Max)
            {
                double v = s_logInitial + _logCensored[baseD + frames] + cEnd;
                if (v > total)
                {
                    total = v;
                    lastState = j;
                    lastStart = 0;
                }
            }

            for (int s = Math.Max(1, frames - sd.Max); s < frames; s++)
            {
                double v = entry[baseJ + s] + _logCensored[baseD + frames - s] + cEnd;
                if (v > total)
                {
                    total = v;
                    lastState = j;
                    lastStart = s;
                }
            }
        }

        if (double.IsNegativeInfinity(total))
        {
            // Cannot happen with censored edges and finite emissions; guard against silent garbage.
            throw new InvalidOperationException($"no valid state path for {frames} frames at {heartRate.Bpm:F1} bpm");
        }

        // Backtrack.
        int end = frames;
        int state = lastState;
        int begin = lastStart;
        while (true)
        {
            states[begin..end].Fill((HeartState)state);
            if (begin == 0)
            {
                break;
            }

            end = begin;
            state = (state + 3) & 3;
            begin = end - duration[(state * stride) + end];
        }

        return total;
    }

    private void BuildPrefixSums(ReadOnlySpan<float> emissions, int frames)
    {
        float lowest = TensorPrimitives.Min(emissions);
        float highest = TensorPrimitives.Max(emissions);
        if (!(lowest >= 0) || !float.IsFinite(highest))
        {
            ThrowBadEmission(emissions);
        }

        Span<float> logs = _logEmission.AsSpan(0, emissions.Length);
        TensorPrimitives.Max(emissions, EmissionFloor, logs);
        TensorPrimitives.Log(logs, logs);

        double[] c = _cumulative;
        int stride = _stride;
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        c[0] = 0;
        c[stride] = 0;
        c[2 * stride] = 0;
        c[3 * stride] = 0;
        for (int t = 0; t < frames; t++)
        {
            int i = t * States;
            c0 += logs[i];
            c1 += logs[i + 1];
            c2 += logs[i + 2];
            c3 += logs[i + 3];
            c[t + 1] = c0;
            c[stride + t + 1] = c1;
            c[(2 * stride) + t + 1] = c2;
            c[(3 * stride) + t + 1] = c3;
        }
    }

    private static void ThrowBadEmission(ReadOnlySpan<float> emissions)
    {
        for (int i = 0; i < emissions.Length; i++)
        {
            float p = emissions[i];
            if (!(p >= 0) || float.IsPositiveInfinity(p))
            {
                throw new ArgumentException(
                    $"emission likelihood at frame {i / States}, state {(HeartState)(i % States)} must be finite and >= 0, got {p}",
                    "emissionLikelihoods");
            }
        }
    }

    private void BuildDurationTables()
    {
        int durStride = _maxDuration + 1;
        for (int j = 0; j < States; j++)
        {
            StateDuration sd = _durations[j];
            Span<double> lp = _logDuration.AsSpan(j * durStride, durStride);
            Span<double> lc = _logCensored.AsSpan(j * durStride, durStride);
            lp.Fill(double.NegativeInfinity);

            double inv = 1.0 / sd.Sd;
            double maxLog = double.NegativeInfinity;
            for (int d = sd.Min; d <= sd.Max; d++)
            {
                double z = (d - sd.Mean) * inv;
                lp[d] = -0.5 * z * z;
                maxLog = Math.Max(maxLog, lp[d]);
            }

            double sum = 0;
            for (int d = sd.Min; d <= sd.Max; d++)
            {
                sum += Math.Exp(lp[d] - maxLog);
            }

            double logNorm = maxLog + Math.Log(sum);
            for (int d = sd.Min; d <= sd.Max; d++)
            {
                lp[d] -= logNorm;
            }

            Span<double> reversed = _logDurationReversed.AsSpan(j * durStride, durStride);
            for (int i = 0; i <= sd.Max - sd.Min; i++)
            {
                reversed[i] = lp[sd.Max - i];
            }

            // Censored: a segment with l frames visible has true duration d >= l; Viterbi takes the best such d.
            double running = double.NegativeInfinity;
            lc.Fill(double.NegativeInfinity);
            for (int l = sd.Max; l >= 1; l--)
            {
                if (l >= sd.Min)
                {
                    running = Math.Max(running, lp[l]);
                }

                lc[l] = running;
            }
        }
    }
}
