using System.Runtime.CompilerServices;
using System.Numerics;

namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// A causal cascade of second-order sections in transposed direct form II (the form scipy's <c>sosfilt</c>
/// uses), state kept in double precision: low cut-offs at 2 kHz put poles very close to the unit circle,
/// where float state drifts audibly. State lives in the object, so a stream can be fed in any chunk sizes
/// and produce exactly the same output as one call over the whole signal.
/// </summary>
public sealed class BiquadCascade
{
    private readonly double[] _coefficients; // 5 per section: b0 b1 b2 a1 a2
    private readonly double[] _state;        // 2 per section: z1 z2

    public BiquadCascade(ReadOnlySpan<BiquadSection> sections)
    {
        if (sections.IsEmpty)
        {
            throw new ArgumentException("A biquad cascade needs at least one section.", nameof(sections));
        }

        _coefficients = new double[sections.Length * 5];
        _state = new double[sections.Length * 2];
        for (int i = 0; i < sections.Length; i++)
        {
            BiquadSection s = sections[i];
            if (!double.IsFinite(s.B0) || !double.IsFinite(s.B1) || !double.IsFinite(s.B2) || !double.IsFinite(s.A1) || !double.IsFinite(s.A2))
            {
                throw new ArgumentException($"Biquad section {i} has a non-finite coefficient: {s}.", nameof(sections));
            }

            _coefficients[(i * 5) + 0] = s.B0;
            _coefficients[(i * 5) + 1] = s.B1;
            _coefficients[(i * 5) + 2] = s.B2;
            _coefficients[(i * 5) + 3] = s.A1;
            _coefficients[(i * 5) + 4] = s.A2;
        }
    }

    /// <summary>Number of second-order sections.</summary>
    public int SectionCount => _state.Length / 2;

    /// <summary>Filters one sample.</summary>
    // Hot DSP loop: compile fully optimised at once; tier-0 code would run the first seconds of a stream ~10x slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ProcessSample(double x)
    {
        double[] c = _coefficients;
        double[] z = _state;
        for (int s = 0, ci = 0, zi = 0; s < z.Length / 2; s++, ci += 5, zi += 2)
        {
            double y = (c[ci] * x) + z[zi];
            z[zi] = (c[ci + 1] * x) - (c[ci + 3] * y) + z[zi + 1];
            z[zi + 1] = (c[ci + 2] * x) - (c[ci + 4] * y);
            x = y;
        }

        return x;
    }

    /// <summary>Filters <paramref name="input"/> into <paramref name="output"/> (same length; may be the same memory).</summary>
    // Hot DSP loop: compile fully optimised at once; tier-0 code would run the first seconds of a stream ~10x slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < input.Length)
        {
            throw new ArgumentException($"Output holds {output.Length} samples but input has {input.Length}.", nameof(output));
        }

        for (int i = 0; i < input.Length; i++)
        {
            output[i] = (float)ProcessSample(input[i]);
        }
    }

    /// <summary>Clears the state (as if the input had been zero forever).</summary>
    public void Reset() => Array.Clear(_state);

    /// <summary>
    /// Sets the state to the steady state for a constant input <paramref name="x"/> (scipy's <c>sosfilt_zi * x</c>),
    /// so a filter started on a non-zero level does not ring.
    /// </summary>
    public void SetSteadyState(double x)
    {
        double[] c = _coefficients;
        for (int s = 0; s < SectionCount; s++)
        {
            double b0 = c[s * 5], b1 = c[(s * 5) + 1], b2 = c[(s * 5) + 2], a1 = c[(s * 5) + 3], a2 = c[(s * 5) + 4];
            double gain = (b0 + b1 + b2) / (1.0 + a1 + a2);
            double y = gain * x;
            _state[s * 2] = y - (b0 * x);
            _state[(s * 2) + 1] = (b2 * x) - (a2 * y);
            x = y;
        }
    }

    /// <summary>Complex frequency response at <paramref name="frequencyHz"/>.</summary>
    public Complex Response(double frequencyHz, double sampleRate)
    {
        Complex zInv = Complex.FromPolarCoordinates(1.0, -2.0 * Math.PI * frequencyHz / sampleRate);
        Complex h = Complex.One;
        double[] c = _coefficients;
        for (int s = 0; s < SectionCount; s++)
        {
            Complex num = c[s * 5] + (zInv * (c[(s * 5) + 1] + (zInv * c[(s * 5) + 2])));
            Complex den = 1.0 + (zInv * (c[(s * 5) + 3] + (zInv * c[(s * 5) + 4])));
            h *= num / den;
        }

        return h;
    }
}
