namespace HeartStream.Training.Data;

/// <summary>
/// Stationary Gaussian noise with the power spectrum (Welch: 1,024-sample Hann segments, half overlap) and the RMS of
/// a given noise: a SYNTHETIC stand-in that keeps a real noise's colour and level but none of its structure in time.
/// The no-heart-sounds bench uses it beside the joined diastoles of <see cref="NoHeartSoundsSplice"/>, whose pieces
/// repeat with the recording's own rhythm.
/// </summary>
public static class StationaryNoise
{
    private const int Segment = 1024;

    /// <summary><paramref name="length"/> samples shaped like <paramref name="noise"/> (at least one segment long); seeded.</summary>
    public static float[] Like(ReadOnlySpan<float> noise, int length, int seed)
    {
        if (noise.Length < Segment)
        {
            throw new ArgumentException($"need at least {Segment} samples of noise to measure its spectrum, got {noise.Length}", nameof(noise));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var psd = new double[Segment];
        var re = new double[Segment];
        var im = new double[Segment];
        int segments = 0;
        for (int start = 0; start + Segment <= noise.Length; start += Segment / 2, segments++)
        {
            for (int i = 0; i < Segment; i++)
            {
                re[i] = noise[start + i] * (0.5 - (0.5 * Math.Cos(2 * Math.PI * i / Segment)));
                im[i] = 0;
            }

            Fft(re, im, inverse: false);
            for (int k = 0; k < Segment; k++)
            {
                psd[k] += (re[k] * re[k]) + (im[k] * im[k]);
            }
        }

        int n = Segment;
        while (n < length)
        {
            n <<= 1;
        }

        var random = new Random(seed);
        var xr = new double[n];
        var xi = new double[n];
        for (int i = 0; i < n; i++)
        {
            xr[i] = Math.Sqrt(-2 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        Fft(xr, xi, inverse: false);
        for (int k = 0; k < n; k++)
        {
            double gain = Math.Sqrt(psd[Math.Min(Segment - 1, (int)Math.Round((double)k * Segment / n))] / segments);
            xr[k] *= gain;
            xi[k] *= gain;
        }

        Fft(xr, xi, inverse: true);
        double target = Rms(noise), actual = 0;
        for (int i = 0; i < length; i++)
        {
            actual += xr[i] * xr[i];
        }

        actual = Math.Sqrt(actual / length);
        var result = new float[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = actual > 0 ? (float)(xr[i] * target / actual) : 0f;
        }

        return result;
    }

    /// <summary>Root mean square.</summary>
    public static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x)
        {
            sum += v * v;
        }

        return x.IsEmpty ? 0 : Math.Sqrt(sum / x.Length);
    }

    /// <summary>In-place radix-2 complex FFT (length a power of two); the inverse divides by the length.</summary>
    private static void Fft(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (int len = 2; len <= n; len <<= 1)
        {
            double angle = 2 * Math.PI / len * (inverse ? 1 : -1);
            double wr = Math.Cos(angle), wi = Math.Sin(angle);
            for (int i = 0; i < n; i += len)
            {
                double cr = 1, ci = 0;
                for (int k = 0; k < len / 2; k++)
                {
                    int a = i + k, b = i + k + (len / 2);
                    double tr = (re[b] * cr) - (im[b] * ci), ti = (re[b] * ci) + (im[b] * cr);
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                    (cr, ci) = ((cr * wr) - (ci * wi), (cr * wi) + (ci * wr));
                }
            }
        }

        if (inverse)
        {
            for (int i = 0; i < n; i++)
            {
                re[i] /= n;
                im[i] /= n;
            }
        }
    }
}
