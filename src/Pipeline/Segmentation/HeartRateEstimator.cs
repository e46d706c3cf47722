using System.Numerics.Tensors;

namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Heart rate and systolic interval from the autocorrelation of an envelope (Springer et al. 2016, after Schmidt et al.),
/// searching 30..240 bpm instead of Springer's 30..120 so that neonatal and tachycardic recordings are covered.
/// </summary>
/// <remarks>
/// <para>
/// Why the period rule differs from Springer's: Springer takes the highest peak of the raw (biased) autocorrelation.
/// The biased estimate shrinks with the lag, so with a wide search range the S1-to-S2 lag (half a cycle, where S1 lines
/// up with S2) can beat the full cycle and the rate comes out doubled. Here the autocorrelation is unbiased (each lag
/// divided by its number of products), so the full cycle, where S1 lines up with S1 and S2 with S2, scores higher than
/// the S1/S2 cross peak whenever S1 and S2 differ in shape, size or spacing. With an unbiased estimate the opposite error
/// becomes possible (2 or 3 cycles scoring as high as one), so the rule is:
/// </para>
/// <list type="number">
/// <item>take the highest local maximum in the lag range for 30..240 bpm (lag refined by a parabola through 3 points);</item>
/// <item>then, trying the largest divisor m &gt;= 2 first (lag/m must stay in range), if a local maximum lies within
/// 10 % of lag/m and reaches <see cref="SubHarmonicRatio"/> (0.9) of the highest peak, take that shorter lag instead;
/// repeat from the new lag until no divisor qualifies;</item>
/// <item>finally the half-cycle test. On real hearts near 100-130 bpm the S1-to-S2 spacing is close to half the
/// cycle and beat-to-beat variation blurs the full-cycle peak, so the half-cycle lag L can come out on top (found on
/// CirCor timing: about 10 % of recordings reported doubled). The lag is doubled when all hold: L &lt;= 0.5 s (a
/// plausible S1-to-S2 spacing); the peak near 2L reaches 0.8 of r(L); no peak of at least 0.25 r(L) lies within
/// (0.25, 0.75) L (a true cycle of length L shows its own S2 there); and r(2L)^2 &gt;= 1.2 r(L) r(3L) (for a
/// periodic signal peaks decay smoothly, r(2L)^2 ~ r(L) r(3L); half of a longer cycle makes the even multiples stand
/// out).</item>
/// </list>
/// <para>
/// Ambiguity that remains: if S1 and S2 look alike and sit exactly half a cycle apart with a steady rhythm, the
/// envelope alone cannot tell the two readings apart and the shorter period is reported.
/// The systolic interval is Springer's: the lag of the highest autocorrelation between 0.2 s and half a cycle; above
/// 150 bpm, where half a cycle is shorter than 0.2 s, the lower bound becomes 0.3 cycles. If that range holds no local
/// maximum the interval falls back to min(0.45 cycle, 0.35 s).
/// </para>
/// An instance owns its scratch buffers, so <see cref="TryEstimate"/> allocates nothing; it is not thread-safe.
/// </remarks>
public sealed class HeartRateEstimator
{
    /// <summary>A shorter lag replaces the best one when its peak reaches this fraction of the best peak.</summary>
    public const double SubHarmonicRatio = 0.9;

    /// <summary>Only a lag up to this long (a plausible S1-to-S2 spacing) can be taken for half a cycle.</summary>
    public const double HalfCycleMaxSeconds = 0.5;

    /// <summary>The doubled lag must reach this fraction of the chosen peak to replace it.</summary>
    public const double HalfCycleFullRatio = 0.8;

    /// <summary>r(2L)^2 must exceed r(L) r(3L) by this factor (even multiples standing out) to double the lag.</summary>
    public const double HalfCycleAlternation = 1.2;

    private readonly double _frameRate;
    private readonly double _minLag;
    private readonly double _maxLag;
    private readonly int _maxFrames;
    private readonly float[] _centred;
    private readonly double[] _autocorr;

    /// <param name="maxFrames">Longest envelope this instance accepts (e.g. 60 s at 50 frames/s = 3000).</param>
    /// <param name="frameRate">Envelope sample rate in Hz (frames per second).</param>
    /// <param name="minBpm">Lowest heart rate searched.</param>
    /// <param name="maxBpm">Highest heart rate searched.</param>
    public HeartRateEstimator(int maxFrames, double frameRate = AnalysisRate.FrameRate, double minBpm = 30, double maxBpm = 240)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 16);
        if (!(frameRate > 0) || double.IsInfinity(frameRate))
        {
            throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, "frame rate must be a positive finite number of Hz");
        }

        if (!(minBpm > 0) || !(maxBpm > minBpm) || double.IsInfinity(maxBpm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxBpm), $"heart-rate search range must satisfy 0 < minBpm < maxBpm, got {minBpm}..{maxBpm}");
        }

        _frameRate = frameRate;
        _minLag = 60.0 * frameRate / maxBpm;
        _maxLag = 60.0 * frameRate / minBpm;
        _maxFrames = maxFrames;
        _centred = new float[maxFrames];
        _autocorr = new double[(int)Math.Ceiling(_maxLag) + 3];
        MinBpm = minBpm;
        MaxBpm = maxBpm;
    }

    public double MinBpm { get; }

    public double MaxBpm { get; }

    /// <summary>Longest envelope accepted.</summary>
    public int MaxFrames => _maxFrames;

    /// <summary>Shortest envelope for which an estimate is attempted: two shortest periods plus a little.</summary>
    public int MinFrames => (int)Math.Ceiling(2 * _minLag) + 4;

    /// <summary>Estimates heart rate and systolic interval; throws on input it cannot use.</summary>
    public HeartRateEstimate Estimate(ReadOnlySpan<float> envelope)
    {
        if (envelope.Length > _maxFrames)
        {
            throw new ArgumentException($"envelope has {envelope.Length} frames but this estimator was sized for at most {_maxFrames}", nameof(envelope));
        }

        if (envelope.Length < MinFrames)
        {
            throw new ArgumentException($"envelope has {envelope.Length} frames; at least {MinFrames} are needed to estimate a heart rate", nameof(envelope));
        }

        if (!TryEstimate(envelope, out HeartRateEstimate estimate))
        {
            throw new ArgumentException("envelope is constant or not finite; no heart rate can be estimated", nameof(envelope));
        }

        return estimate;
    }

    /// <summary>
    /// Allocation-free estimate. Returns false (and a zero estimate) when the envelope is too short, too long, constant
    /// or contains NaN/infinity.
    /// </summary>
    public bool TryEstimate(ReadOnlySpan<float> envelope, out HeartRateEstimate estimate)
    {
        estimate = default;
        int n = envelope.Length;
        if (n > _maxFrames || n < MinFrames)
        {
            return false;
        }

        Span<float> x = _centred.AsSpan(0, n);
        float mean = TensorPrimitives.Sum(envelope) / n;
        if (!float.IsFinite(mean))
        {
            return false;
        }

        TensorPrimitives.Subtract(envelope, mean, x);

        // Lags beyond half the envelope average too few products to be trusted.
        int maxLag = Math.Min((int)Math.Ceiling(_maxLag) + 1, n / 2);
        double r0 = TensorPrimitives.Dot(x, x) / n;
        // Constant input leaves only rounding residue after the mean is removed: relative to the mean's size, that is
        // no periodicity at all.
        if (!(r0 > 1e-20) || !(r0 > 1e-12 * (double)mean * mean) || !double.IsFinite(r0))
        {
            return false;
        }

        Span<double> r = _autocorr.AsSpan(0, maxLag + 1);
        r[0] = 1.0;
        for (int k = 1; k <= maxLag; k++)
        {
            r[k] = TensorPrimitives.Dot(x[..(n - k)], x[k..]) / (n - k) / r0;
        }

        int lo = Math.Max(1, (int)Math.Floor(_minLag));
        int hi = Math.Min(maxLag - 1, (int)Math.Ceiling(_maxLag));
        if (!FindBestPeak(r, lo, hi, _minLag - 0.5, _maxLag + 0.5, out double lag, out double peak))
        {
            // No interior peak at all: fall back to Springer's plain argmax over the range.
            int best = lo;
            for (int k = lo + 1; k <= hi; k++)
            {
                if (r[k] > r[best])
                {
                    best = k;
                }
            }

            lag = best;
            peak = r[best];
        }
        else
        {
            // Step down to the shortest sub-multiple of the best lag that scores nearly as high (see remarks).
            double highest = peak;
            bool reduced = true;
            while (reduced)
            {
                reduced = false;
                for (int m = (int)Math.Floor(lag / (_minLag - 0.5)); m >= 2; m--)
                {
                    double target = lag / m;
                    double tol = Math.Max(1.0, 0.1 * target);
                    int a = Math.Max(lo, (int)Math.Floor(target - tol));
                    int b = Math.Min(hi, (int)Math.Ceiling(target + tol));
                    if (FindBestPeak(r, a, b, Math.Max(target - tol, _minLag - 0.5), target + tol, out double subLag, out double subPeak)
                        && subPeak >= SubHarmonicRatio * highest)
                    {
                        lag = subLag;
                        peak = subPeak;
                        reduced = true;
                        break;
                    }
                }
            }
        }

        if (IsHalfCycle(r, lo, hi, maxLag, lag, peak, out double fullLag, out double fullPeak))
        {
            lag = fullLag;
            peak = fullPeak;
        }

        double bpm = Math.Clamp(60.0 * _frameRate / lag, MinBpm, MaxBpm);
        double period = 60.0 / bpm;

        // Systolic interval: Springer's highest autocorrelation between 0.2 s and half a cycle.
        double sysLo = Math.Min(0.2, 0.3 * period) * _frameRate;
        double sysHi = 0.5 * period * _frameRate;
        int sa = Math.Max(1, (int)Math.Floor(sysLo));
        int sb = Math.Min(maxLag - 1, (int)Math.Ceiling(sysHi));
        double systole = FindBestPeak(r, sa, sb, sysLo, sysHi, out double sysLag, out _)
            ? sysLag / _frameRate
            : Math.Min(0.45 * period, 0.35);

        estimate = new HeartRateEstimate(bpm, systole, Math.Clamp(peak, 0.0, 1.0));
        return true;
    }

    /// <summary>
    /// The half-cycle test (rule 3 in the remarks): true when <paramref name="lag"/> looks like the S1-to-S2 spacing
    /// of a cycle twice as long, with the full cycle's lag and peak returned.
    /// </summary>
    private bool IsHalfCycle(ReadOnlySpan<double> r, int lo, int hi, int maxLag, double lag, double peak, out double fullLag, out double fullPeak)
    {
        fullLag = 0;
        fullPeak = 0;
        if (lag > HalfCycleMaxSeconds * _frameRate || peak <= 0)
        {
            return false;
        }

        double twice = 2 * lag;
        double tol2 = Math.Max(1.0, 0.1 * twice);
        if (!FindBestPeak(r, Math.Max(lo, (int)Math.Floor(twice - tol2)), Math.Min(hi, (int)Math.Ceiling(twice + tol2)), twice - tol2, twice + tol2, out fullLag, out fullPeak)
            || fullPeak < HalfCycleFullRatio * peak)
        {
            return false;
        }

        // A cycle of length lag with a visible S2 has its own S1-to-S2 peak inside (0.25, 0.75) x lag.
        double a = 0.25 * lag;
        double b = 0.75 * lag;
        if (FindBestPeak(r, (int)Math.Ceiling(a), (int)Math.Floor(b), a, b, out _, out double inner) && inner >= 0.25 * peak)
        {
            return false;
        }

        // Periodic at lag with decay: r(2L)^2 ~ r(L) r(3L). Half of a longer cycle: the even multiple stands out.
        double thrice = 3 * lag;
        double r3 = 0;
        if (thrice + 1 <= maxLag)
        {
            double tol3 = Math.Max(1.0, 0.1 * thrice);
            r3 = FindBestPeak(r, (int)Math.Floor(thrice - tol3), Math.Min(maxLag - 1, (int)Math.Ceiling(thrice + tol3)), thrice - tol3, thrice + tol3, out _, out double p3)
                ? p3
                : r[(int)Math.Round(thrice)];
        }

        return fullPeak * fullPeak >= HalfCycleAlternation * peak * Math.Max(r3, 0.0);
    }

    /// <summary>Highest strict local maximum with k in [a, b] whose refined lag lies in [minLag, maxLag].</summary>
    private static bool FindBestPeak(ReadOnlySpan<double> r, int a, int b, double minLag, double maxLag, out double lag, out double value)
    {
        lag = 0;
        value = double.NegativeInfinity;
        a = Math.Max(a, 1);
        b = Math.Min(b, r.Length - 2);
        for (int k = a; k <= b; k++)
        {
            double left = r[k - 1];
            double centre = r[k];
            double right = r[k + 1];
            if (!(centre >= left && centre > right))
            {
                continue;
            }

            double denom = left - (2 * centre) + right;
            double delta = denom < 0 ? Math.Clamp(0.5 * (left - right) / denom, -0.5, 0.5) : 0.0;
            double refined = k + delta;
            double height = centre - (0.25 * (left - right) * delta);
            if (refined < minLag || refined > maxLag || height <= value)
            {
                continue;
            }

            lag = refined;
            value = height;
        }

        return value > double.NegativeInfinity;
    }
}
