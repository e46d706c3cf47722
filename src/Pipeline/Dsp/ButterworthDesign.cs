using System.Numerics;

namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// Digital Butterworth filters designed in code: analog prototype poles, frequency transform with pre-warped
/// edges, bilinear transform, then grouping into second-order sections. This is the textbook route scipy's
/// <c>butter(..., output='sos')</c> takes, so designs agree with scipy to rounding (tests check the output).
/// </summary>
public static class ButterworthDesign
{
    private const int MaxOrder = 16;

    /// <summary>Low-pass of the given order; -3 dB at <paramref name="cutoffHz"/>.</summary>
    public static BiquadSection[] LowPass(int order, double cutoffHz, double sampleRate)
    {
        Validate(order, sampleRate);
        double w = Prewarp(cutoffHz, sampleRate, nameof(cutoffHz));
        var poles = new List<Complex>(order);
        foreach (Complex p in Prototype(order))
        {
            poles.Add(p * w);
        }

        return Build(Bilinear(poles, sampleRate), Kind.LowPass, Complex.One);
    }

    /// <summary>High-pass of the given order; -3 dB at <paramref name="cutoffHz"/>.</summary>
    public static BiquadSection[] HighPass(int order, double cutoffHz, double sampleRate)
    {
        Validate(order, sampleRate);
        double w = Prewarp(cutoffHz, sampleRate, nameof(cutoffHz));
        var poles = new List<Complex>(order);
        foreach (Complex p in Prototype(order))
        {
            poles.Add(w / p);
        }

        return Build(Bilinear(poles, sampleRate), Kind.HighPass, -Complex.One);
    }

    /// <summary>
    /// Band-pass from a prototype of the given order (so 2×order poles and order sections, like scipy's
    /// <c>butter(order, [low, high], 'band')</c>); -3 dB at both edges.
    /// </summary>
    public static BiquadSection[] BandPass(int order, double lowHz, double highHz, double sampleRate)
    {
        Validate(order, sampleRate);
        if (!(lowHz < highHz))
        {
            throw new ArgumentException($"Band-pass low edge {lowHz} Hz must be below the high edge {highHz} Hz.", nameof(lowHz));
        }

        double w1 = Prewarp(lowHz, sampleRate, nameof(lowHz));
        double w2 = Prewarp(highHz, sampleRate, nameof(highHz));
        double w0 = Math.Sqrt(w1 * w2);
        double bw = w2 - w1;
        var poles = new List<Complex>(2 * order);
        foreach (Complex p in Prototype(order))
        {
            Complex a = p * bw / 2.0;
            Complex root = Complex.Sqrt((a * a) - (w0 * w0));
            poles.Add(a + root);
            poles.Add(a - root);
        }

        // The analog band-pass has unit gain at w0; the bilinear map sends w0 to this digital frequency.
        double omega0 = 2.0 * Math.Atan(w0 / (2.0 * sampleRate));
        return Build(Bilinear(poles, sampleRate), Kind.BandPass, Complex.FromPolarCoordinates(1.0, omega0));
    }

    private enum Kind
    {
        LowPass,
        HighPass,
        BandPass,
    }

    private static void Validate(int order, double sampleRate)
    {
        if (order is < 1 or > MaxOrder)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, $"Butterworth order must be 1..{MaxOrder}.");
        }

        if (!(sampleRate > 0) || !double.IsFinite(sampleRate))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Sample rate must be a positive finite number.");
        }
    }

    private static double Prewarp(double hz, double sampleRate, string name)
    {
        if (!(hz > 0) || !(hz < sampleRate / 2))
        {
            throw new ArgumentOutOfRangeException(name, hz, $"Edge frequency must lie strictly between 0 and Nyquist ({sampleRate / 2} Hz).");
        }

        return 2.0 * sampleRate * Math.Tan(Math.PI * hz / sampleRate);
    }

    private static IEnumerable<Complex> Prototype(int order)
    {
        for (int k = 0; k < order; k++)
        {
            yield return Complex.FromPolarCoordinates(1.0, Math.PI * ((2 * k) + order + 1) / (2.0 * order));
        }
    }

    private static List<Complex> Bilinear(List<Complex> analogPoles, double sampleRate)
    {
        double fs2 = 2.0 * sampleRate;
        var result = new List<Complex>(analogPoles.Count);
        foreach (Complex s in analogPoles)
        {
            result.Add((fs2 + s) / (fs2 - s));
        }

        return result;
    }

    private static BiquadSection[] Build(List<Complex> poles, Kind kind, Complex referenceZ)
    {
        // Conjugate pairs become one section; real poles are paired in sorted order, a lone one gets a first-order section.
        const double realTolerance = 1e-12;
        var sections = new List<(double A1, double A2, int PoleCount)>();
        var reals = new List<double>();
        foreach (Complex p in poles)
        {
            if (Math.Abs(p.Imaginary) <= realTolerance * Math.Max(1.0, p.Magnitude))
            {
                reals.Add(p.Real);
            }
            else if (p.Imaginary > 0)
            {
                sections.Add((-2.0 * p.Real, p.Magnitude * p.Magnitude, 2));
            }
        }

        reals.Sort();
        for (int i = 0; i + 1 < reals.Count; i += 2)
        {
            sections.Add((-(reals[i] + reals[i + 1]), reals[i] * reals[i + 1], 2));
        }

        if (reals.Count % 2 == 1)
        {
            sections.Add((-reals[^1], 0.0, 1));
        }

        var result = new BiquadSection[sections.Count];
        for (int i = 0; i < sections.Count; i++)
        {
            (double a1, double a2, int count) = sections[i];
            result[i] = (kind, count) switch
            {
                (Kind.LowPass, 2) => new BiquadSection(1, 2, 1, a1, a2),
                (Kind.LowPass, _) => new BiquadSection(1, 1, 0, a1, a2),
                (Kind.HighPass, 2) => new BiquadSection(1, -2, 1, a1, a2),
                (Kind.HighPass, _) => new BiquadSection(1, -1, 0, a1, a2),
                _ => new BiquadSection(1, 0, -1, a1, a2), // band-pass: one zero at DC and one at Nyquist per section
            };
        }

        // Normalise the passband gain at the reference point (DC, Nyquist, or the band centre) into the first section.
        Complex zInv = Complex.One / referenceZ;
        Complex h = Complex.One;
        foreach (BiquadSection s in result)
        {
            h *= (s.B0 + (zInv * (s.B1 + (zInv * s.B2)))) / (1.0 + (zInv * (s.A1 + (zInv * s.A2))));
        }

        double g = 1.0 / h.Magnitude;
        BiquadSection first = result[0];
        result[0] = first with { B0 = first.B0 * g, B1 = first.B1 * g, B2 = first.B2 * g };
        return result;
    }
}
