using System.Runtime.CompilerServices;
using System.Numerics;

namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// Streaming FIR filter. Each output is a chain of fused multiply-adds over the non-zero taps in a fixed order,
/// computed for <see cref="Vector{T}.Count"/> outputs at once with the accumulator kept in a register, the tail one
/// output at a time with the same fused operations: every output sees bitwise the same arithmetic whatever the block
/// boundaries, so chunked and whole-signal results are identical. Zero taps (half of a Hilbert transformer) are skipped.
/// </summary>
public sealed class FirFilter
{
    private readonly int[] _tapIndex;
    private readonly float[] _tapValue;
    private readonly int _length;
    private readonly int _block;
    private readonly float[] _history; // (length - 1) past samples, then up to _block new ones

    public FirFilter(ReadOnlySpan<float> taps, int maxBlock = 256)
    {
        if (taps.IsEmpty)
        {
            throw new ArgumentException("An FIR filter needs at least one tap.", nameof(taps));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlock, 1);
        _length = taps.Length;
        _block = maxBlock;
        int nonZero = 0;
        foreach (float t in taps)
        {
            if (!float.IsFinite(t))
            {
                throw new ArgumentException("FIR taps must be finite.", nameof(taps));
            }

            nonZero += t != 0 ? 1 : 0;
        }

        _tapIndex = new int[nonZero];
        _tapValue = new float[nonZero];
        for (int k = 0, j = 0; k < taps.Length; k++)
        {
            if (taps[k] != 0)
            {
                _tapIndex[j] = k;
                _tapValue[j++] = taps[k];
            }
        }

        _history = new float[_length - 1 + maxBlock];
    }

    /// <summary>Number of taps.</summary>
    public int Length => _length;

    /// <summary>Filters <paramref name="input"/> into <paramref name="output"/> (same length, must not overlap).</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < input.Length)
        {
            throw new ArgumentException($"Output holds {output.Length} samples but input has {input.Length}.", nameof(output));
        }

        while (!input.IsEmpty)
        {
            int n = Math.Min(input.Length, _block);
            input[..n].CopyTo(_history.AsSpan(_length - 1));
            Apply(_history.AsSpan(0, _length - 1 + n), output[..n]);
            _history.AsSpan(n, _length - 1).CopyTo(_history);
            input = input[n..];
            output = output[n..];
        }
    }

    /// <summary>
    /// Computes output[i] = Σ_k h[k]·x[i - k] where <paramref name="history"/> holds (taps - 1) older samples
    /// followed by the samples aligned with <paramref name="output"/>.
    /// </summary>
    // Hot DSP loop: compile fully optimised at once; tier-0 code would run the first seconds of a stream ~10x slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<float> history, Span<float> output)
    {
        int n = output.Length;
        if (history.Length != _length - 1 + n)
        {
            throw new ArgumentException($"History must hold taps - 1 + output = {_length - 1 + n} samples, got {history.Length}.", nameof(history));
        }

        int[] index = _tapIndex;
        float[] value = _tapValue;
        int last = _length - 1;
        int width = Vector<float>.Count;
        int i = 0;
        for (; i + width <= n; i += width)
        {
            Vector<float> acc = Vector<float>.Zero;
            for (int j = 0; j < index.Length; j++)
            {
                acc = Vector.FusedMultiplyAdd(new Vector<float>(history.Slice(i + last - index[j], width)), new Vector<float>(value[j]), acc);
            }

            acc.CopyTo(output.Slice(i, width));
        }

        for (; i < n; i++)
        {
            float acc = 0;
            for (int j = 0; j < index.Length; j++)
            {
                acc = MathF.FusedMultiplyAdd(history[i + last - index[j]], value[j], acc);
            }

            output[i] = acc;
        }
    }

    /// <summary>Clears the stored past input.</summary>
    public void Reset() => Array.Clear(_history);
}
