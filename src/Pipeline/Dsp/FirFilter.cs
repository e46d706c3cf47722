using System.Numerics.Tensors;

namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// Streaming FIR filter. Output is computed per block as a sum over taps of (tap × shifted input), each tap a
/// fused multiply-add over the whole block: every output sample sees the same operations in the same order
/// whatever the block boundaries are, so chunked and whole-signal results are bitwise identical, and the inner
/// loop is vectorised by <see cref="TensorPrimitives"/>. Zero taps (half of a Hilbert transformer) are skipped.
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
    public void Apply(ReadOnlySpan<float> history, Span<float> output)
    {
        int n = output.Length;
        if (history.Length != _length - 1 + n)
        {
            throw new ArgumentException($"History must hold taps - 1 + output = {_length - 1 + n} samples, got {history.Length}.", nameof(history));
        }

        output.Clear();
        for (int j = 0; j < _tapIndex.Length; j++)
        {
            TensorPrimitives.FusedMultiplyAdd(history.Slice(_length - 1 - _tapIndex[j], n), _tapValue[j], output, output);
        }
    }

    /// <summary>Clears the stored past input.</summary>
    public void Reset() => Array.Clear(_history);
}
