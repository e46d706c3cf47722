using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Duration-dependent hidden semi-Markov decoder of Springer et al. (2016): states cycle S1 -> systole -> S2 ->
/// diastole -> S1, each state's duration is a truncated Gaussian in frames (<see cref="DurationParameters"/>), and
/// the extended Viterbi lets the first and last segments be cut by the edges of the recording.
/// </summary>
/// <remarks>
/// <para>
/// Springer's extension runs the recursion past the last frame so the final state may "end" after the signal; its
/// duration is then scored by the best duration at least as long as the part inside the signal. That is what is done
/// here, without materialising the extra frames: a segment cut by the end with ℓ frames inside is scored
/// log max_{d ≥ ℓ} p(d). The same censoring is applied at the start (a recording that begins mid-diastole), where
/// Springer instead clipped the segment start; both give short edge runs their fair chance.
/// </para>
/// <para>
/// Work is log-domain and O(T x sum over states of (Max - Min + 1)); segment emission sums come from per-state prefix
/// sums so each candidate duration costs one add. The forward pass keeps only the best score per (state, end frame),
/// a branch-free SIMD max over the duration support (the reversed duration table and the entry scores are padded with
/// -inf / spare slots so whole vectors can be read); which duration won is recomputed, with the scalar first-best rule,
/// only for the few segments on the backtracked path. Sums and maxima are exact, so the states and the score are
/// bit-identical to a scalar arg-max pass (the test project keeps one as a reference). All buffers are allocated once
/// for <c>maxFrames</c>, so <see cref="Decode(ReadOnlySpan{float}, HeartRateEstimate, Span{HeartState})"/> allocates
/// nothing. Not thread-safe.
/// </para>
/// </remarks>
public sealed class HsmmDecoder
{
    private const int States = 4;

    /// <summary>Emission probabilities are floored here before the log so a zero never makes a path impossible.</summary>
    private const float EmissionFloor = 1e-30f;

    /// <summary>Spare slots after each padded row: the widest vector read (8 doubles) past the last real value.</summary>
    private const int Pad = 8;

    private static readonly double s_logInitial = Math.Log(0.25);

    private readonly DurationParameters _durationParameters;
    private readonly double _frameRate;
    private readonly int _maxFrames;
    private readonly int _stride;
    private readonly int _maxDuration;
    private readonly int _reversedStride;

    // State-major [state * _stride + t], t = 0..T (prefix-sum convention: index t = "before frame t"); _entry has Pad
    // spare slots at the end because the SIMD max reads whole vectors (the matching duration slots are -inf).
    private readonly double[] _cumulative;
    private readonly double[] _entry;

    // [state * (_maxDuration + 1) + d]
    private readonly double[] _logDuration;
    private readonly double[] _logCensored;

    // [state * _reversedStride + i] = log p(Max - i) for i = 0..Max - Min, then -inf up to the row's end (>= Pad slots).
    private readonly double[] _logDurationReversed;
    private readonly float[] _logEmission;
    private readonly StateDuration[] _durations = new StateDuration[States];
    private int _preparedFrames; // frames whose prefix sums _cumulative holds (0: none)

    /// <param name="maxFrames">Longest emission sequence (frames) this instance decodes.</param>
    /// <param name="durations">Duration model; Springer's defaults when null.</param>
    /// <param name="frameRate">Frames per second of the emissions.</param>
    public HsmmDecoder(int maxFrames, DurationParameters? durations = null, double frameRate = AnalysisRate.FrameRate)
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
        _reversedStride = _maxDuration + 1 + Pad;
        _cumulative = new double[States * _stride];
        _entry = new double[(States * _stride) + Pad];
        _logDuration = new double[States * (_maxDuration + 1)];
        _logCensored = new double[States * (_maxDuration + 1)];
        _logDurationReversed = new double[States * _reversedStride];
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

        _preparedFrames = 0;
        BuildPrefixSums(emissionLikelihoods, frames);
        _preparedFrames = frames;
        return DecodePrepared(frames, heartRate, durations, states);
    }

    /// <summary>
    /// Decodes the emissions of the last successful <see cref="Decode(ReadOnlySpan{float}, HeartRateEstimate, DurationParameters, Span{HeartState})"/>
    /// again under another heart rate, skipping their validation, logarithms and prefix sums: what choosing among
    /// heart-rate candidates needs. Same states and score as calling Decode with the same emissions.
    /// </summary>
    public double DecodeAgain(HeartRateEstimate heartRate, DurationParameters durations, Span<HeartState> states)
    {
        ArgumentNullException.ThrowIfNull(durations);
        if (_preparedFrames == 0)
        {
            throw new InvalidOperationException("DecodeAgain needs a successful Decode call before it (no emissions are prepared)");
        }

        if (!ReferenceEquals(durations, _durationParameters))
        {
            durations.Validate();
        }

        if (states.Length != _preparedFrames)
        {
            throw new ArgumentException($"states has length {states.Length}, expected one per frame of the last decode ({_preparedFrames})", nameof(states));
        }

        return DecodePrepared(_preparedFrames, heartRate, durations, states);
    }

    private double DecodePrepared(int frames, HeartRateEstimate heartRate, DurationParameters durations, Span<HeartState> states)
    {
        durations.ComputeFrames(heartRate, _frameRate, _durations);
        BuildDurationTables();

        double[] cumulative = _cumulative;
        double[] entry = _entry;
        int stride = _stride;
        int durStride = _maxDuration + 1;
        int revStride = _reversedStride;
        ref double entryRef = ref MemoryMarshal.GetArrayDataReference(entry);
        ref double reversedRef = ref MemoryMarshal.GetArrayDataReference(_logDurationReversed);

        // entry[j, s] = best score of frames [0, s) ending with the predecessor of j, minus C_j(s); -inf at s = 0
        // because a segment starting at frame 0 is handled as start-censored instead.
        for (int j = 0; j < States; j++)
        {
            entry[j * stride] = double.NegativeInfinity;
        }

        // Start-up frames: some state's segment may still begin at frame 0 (start-censored) or be shorter than Max.
        int longest = Math.Max(Math.Max(_durations[0].Max, _durations[1].Max), Math.Max(_durations[2].Max, _durations[3].Max));
        int steadyFrom = Math.Min(frames, longest + 1);
        for (int t = 1; t < steadyFrom; t++)
        {
            for (int j = 0; j < States; j++)
            {
                StateDuration sd = _durations[j];
                int baseJ = j * stride;
                double best = t <= sd.Max ? s_logInitial + _logCensored[(j * durStride) + t] : double.NegativeInfinity;
                int dHi = Math.Min(sd.Max, t - 1);
                int count = dHi - sd.Min + 1;
                if (count > 0)
                {
                    // Segment starts s = t - dHi .. t - Min against the reversed duration table (reversed[i] =
                    // log p(Max - i)), so both runs index alike; lanes past count read -inf durations.
                    double inner = MaxOfSums(
                        ref Unsafe.Add(ref entryRef, baseJ + t - dHi),
                        ref Unsafe.Add(ref reversedRef, (j * revStride) + sd.Max - dHi),
                        count);
                    if (inner > best)
                    {
                        best = inner;
                    }
                }

                // Store the full segment score for state j ending at t in the slot of the successor's entry.
                int next = (j + 1) & 3;
                entry[(next * stride) + t] = best + cumulative[baseJ + t] - cumulative[(next * stride) + t];
            }
        }

        // Steady frames (t > every Max): every duration Min..Max fits, none is censored, so the score is the plain
        // maximum (the start-up loop's rule with its -inf start) and the loop is unrolled over the four states.
        if (steadyFrom < frames)
        {
            ref double cumulativeRef = ref MemoryMarshal.GetArrayDataReference(cumulative);
            int max0 = _durations[0].Max, max1 = _durations[1].Max, max2 = _durations[2].Max, max3 = _durations[3].Max;
            int count0 = max0 - _durations[0].Min + 1, count1 = max1 - _durations[1].Min + 1;
            int count2 = max2 - _durations[2].Min + 1, count3 = max3 - _durations[3].Min + 1;
            ref double rev0 = ref reversedRef;
            ref double rev1 = ref Unsafe.Add(ref reversedRef, revStride);
            ref double rev2 = ref Unsafe.Add(ref reversedRef, 2 * revStride);
            ref double rev3 = ref Unsafe.Add(ref reversedRef, 3 * revStride);
            for (int t = steadyFrom; t < frames; t++)
            {
                SteadyCell(ref entryRef, ref cumulativeRef, ref rev0, t, 0, stride, max0, count0);
                SteadyCell(ref entryRef, ref cumulativeRef, ref rev1, t, stride, 2 * stride, max1, count1);
                SteadyCell(ref entryRef, ref cumulativeRef, ref rev2, t, 2 * stride, 3 * stride, max2, count2);
                SteadyCell(ref entryRef, ref cumulativeRef, ref rev3, t, 3 * stride, 0, max3, count3);
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
            begin = end - BestDuration(state, end);
        }

        return total;
    }

    /// <summary>One state's best segment ending at a steady frame t, stored as the successor's entry (see Decode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SteadyCell(ref double entry, ref double cumulative, ref double reversed, int t, int baseJ, int baseNext, int max, int count)
    {
        double best = MaxOfSums(ref Unsafe.Add(ref entry, baseJ + t - max), ref reversed, count);
        Unsafe.Add(ref entry, baseNext + t) = best + Unsafe.Add(ref cumulative, baseJ + t) - Unsafe.Add(ref cumulative, baseNext + t);
    }

    /// <summary>
    /// max over i &lt; <paramref name="count"/> of en[i] + rv[i], reading whole vectors: the caller guarantees readable
    /// slots up to <see cref="Pad"/> past count, with rv = -inf there and en never +inf or NaN, so extra lanes lose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double MaxOfSums(ref double en, ref double rv, int count)
    {
        // 256-bit on purpose: supports are 5-20 durations wide, and a 512-bit pass measured slower here (its longer
        // horizontal reduction outweighs the saved iteration).
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> acc = Vector256.LoadUnsafe(ref en) + Vector256.LoadUnsafe(ref rv);
            for (int i = Vector256<double>.Count; i < count; i += Vector256<double>.Count)
            {
                acc = Vector256.MaxNative(acc, Vector256.LoadUnsafe(ref en, (nuint)i) + Vector256.LoadUnsafe(ref rv, (nuint)i));
            }

            Vector128<double> half = Vector128.MaxNative(acc.GetLower(), acc.GetUpper());
            return Larger(half.GetElement(0), half.GetElement(1));
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<double> acc = Vector128.LoadUnsafe(ref en) + Vector128.LoadUnsafe(ref rv);
            for (int i = Vector128<double>.Count; i < count; i += Vector128<double>.Count)
            {
                acc = Vector128.MaxNative(acc, Vector128.LoadUnsafe(ref en, (nuint)i) + Vector128.LoadUnsafe(ref rv, (nuint)i));
            }

            return Larger(acc.GetElement(0), acc.GetElement(1));
        }

        double best = double.NegativeInfinity;
        for (int i = 0; i < count; i++)
        {
            double v = Unsafe.Add(ref en, i) + Unsafe.Add(ref rv, i);
            if (v > best)
            {
                best = v;
            }
        }

        return best;
    }

    // MaxNative (one vmaxpd) instead of Max, and this instead of Math.Max: both skip the NaN and signed-zero handling
    // IEEE max needs. No NaN can occur (emissions are checked finite, durations are finite or -inf, entries never +inf),
    // and a signed zero compares equal to its twin, so no comparison, state or nonzero score can differ.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Larger(double a, double b) => a > b ? a : b;

    /// <summary>
    /// The duration of the best segment of state <paramref name="j"/> ending at frame <paramref name="t"/> (1 &lt;= t &lt; T),
    /// from the entry scores the forward pass left: the start-censored reading first, then segment starts in time
    /// order, each replacing the best only when strictly better, which is the forward pass's own order of values.
    /// </summary>
    private int BestDuration(int j, int t)
    {
        StateDuration sd = _durations[j];
        double best = double.NegativeInfinity;
        int bestD = 0;
        if (t <= sd.Max)
        {
            best = s_logInitial + _logCensored[(j * (_maxDuration + 1)) + t];
            bestD = t;
        }

        int dHi = Math.Min(sd.Max, t - 1);
        int sLo = t - dHi;
        ReadOnlySpan<double> en = _entry.AsSpan((j * _stride) + sLo, Math.Max(0, dHi - sd.Min + 1));
        ReadOnlySpan<double> rv = _logDurationReversed.AsSpan((j * _reversedStride) + sd.Max - dHi, en.Length);
        for (int i = 0; i < en.Length; i++)
        {
            double v = en[i] + rv[i];
            if (v > best)
            {
                best = v;
                bestD = t - (sLo + i);
            }
        }

        if (bestD <= 0)
        {
            throw new InvalidOperationException($"no segment of state {(HeartState)j} ends at frame {t} on the best path (decoder bug)");
        }

        return bestD;
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

            Span<double> reversed = _logDurationReversed.AsSpan(j * _reversedStride, _reversedStride);
            reversed.Fill(double.NegativeInfinity);
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
