using System.Runtime.CompilerServices;
namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// Streaming version of Schmidt et al. (2010) spike removal. The signal is cut into blocks (500 ms by default);
/// when a block is complete, its maximum absolute amplitude is compared with the median of the maxima of the last
/// <c>historyBlocks</c> blocks (this one included). While it exceeds <c>thresholdFactor</c> × that median, the
/// lobe around the peak (from the zero crossing before it to the zero crossing after it, within the block) is set
/// to zero; at most <c>maxRemovalsPerBlock</c> lobes per block, so a loud stretch of real heart sounds after a quiet
/// one is damped, not erased. Schmidt used the median over the whole recording; a bounded history keeps memory
/// fixed and lets the reference follow gain changes in a live stream.
/// <para>
/// Latency: a block can only be judged once complete, so every sample leaves exactly <see cref="LatencySamples"/>
/// (one block) after it arrived: a fixed delay rather than bursts, which keeps downstream frame timing regular.
/// The first <see cref="LatencySamples"/> calls' worth of input produce no output.
/// </para>
/// </summary>
public sealed class StreamingSpikeRemover
{
    /// <summary>Below this median there is no meaningful reference (digital silence), so nothing is removed.</summary>
    private const float MinReference = 1e-9f;

    private readonly int _block;
    private readonly float _factor;
    private readonly int _maxRemovals;
    private readonly float[] _ring;      // two blocks: the one being filled and the one being released
    private readonly float[] _maxima;    // circular history of block maxima
    private readonly float[] _sortScratch;
    private int _maximaCount;
    private int _maximaNext;
    private long _count;
    private int _inBlock; // samples of the current block received so far

    public StreamingSpikeRemover(int blockSamples, int historyBlocks, double thresholdFactor, int maxRemovalsPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSamples, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(historyBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRemovalsPerBlock, 0);
        if (!(thresholdFactor > 1) || !double.IsFinite(thresholdFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdFactor), thresholdFactor, "Spike threshold factor must be a finite number above 1.");
        }

        _block = blockSamples;
        _factor = (float)thresholdFactor;
        _maxRemovals = maxRemovalsPerBlock;
        _ring = new float[2 * blockSamples];
        _maxima = new float[historyBlocks];
        _sortScratch = new float[historyBlocks];
    }

    /// <summary>Fixed delay between a sample going in and coming out.</summary>
    public int LatencySamples => _block;

    /// <summary>Lobes zeroed since construction or <see cref="Reset"/>.</summary>
    public long LobesRemoved { get; private set; }

    /// <summary>Samples that <paramref name="inputLength"/> more input samples will release.</summary>
    public int OutputCount(int inputLength) => (int)(Math.Max(0, _count + inputLength - _block) - Math.Max(0, _count - _block));

    /// <summary>
    /// Takes <paramref name="input"/>, writes the samples it releases (each delayed by exactly
    /// <see cref="LatencySamples"/>) into <paramref name="output"/> and returns how many.
    /// </summary>
    // Hot DSP loop: compile fully optimised at once; tier-0 code would run the first seconds of a stream ~10x slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        int expected = OutputCount(input.Length);
        if (output.Length < expected)
        {
            throw new ArgumentException($"Output holds {output.Length} samples but this call releases {expected}.", nameof(output));
        }

        int ringLength = _ring.Length;
        int write = (int)(_count % ringLength);
        int written = 0;
        for (int i = 0; i < input.Length; i++)
        {
            _ring[write] = input[i];
            _count++;
            if (++_inBlock == _block)
            {
                _inBlock = 0;
                CleanBlock(write + 1 - _block);
            }

            if (_count > _block)
            {
                int read = write - _block;
                output[written++] = _ring[read < 0 ? read + ringLength : read];
            }

            write = write + 1 == ringLength ? 0 : write + 1;
        }

        return written;
    }

    /// <summary>Forgets all history.</summary>
    public void Reset()
    {
        Array.Clear(_ring);
        Array.Clear(_maxima);
        _maximaCount = 0;
        _maximaNext = 0;
        _count = 0;
        _inBlock = 0;
        LobesRemoved = 0;
    }

    private void CleanBlock(int start)
    {
        Span<float> block = _ring.AsSpan(start, _block);
        int slot = _maximaNext;
        _maximaNext = (_maximaNext + 1) % _maxima.Length;
        _maximaCount = Math.Min(_maximaCount + 1, _maxima.Length);
        int peak = ArgMaxAbs(block);
        _maxima[slot] = Math.Abs(block[peak]);
        for (int removal = 0; removal < _maxRemovals; removal++)
        {
            float median = Median();
            if (median <= MinReference || !(_maxima[slot] > _factor * median))
            {
                return;
            }

            float sign = block[peak];
            int left = peak, right = peak;
            while (left > 0 && block[left - 1] * sign > 0)
            {
                left--;
            }

            while (right < block.Length - 1 && block[right + 1] * sign > 0)
            {
                right++;
            }

            block[left..(right + 1)].Clear();
            LobesRemoved++;
            peak = ArgMaxAbs(block);
            _maxima[slot] = Math.Abs(block[peak]);
        }
    }

    private float Median()
    {
        Span<float> s = _sortScratch.AsSpan(0, _maximaCount);
        _maxima.AsSpan(0, _maximaCount).CopyTo(s);
        s.Sort();
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : 0.5f * (s[(n / 2) - 1] + s[n / 2]);
    }

    private static int ArgMaxAbs(ReadOnlySpan<float> x)
    {
        int best = 0;
        float bestValue = -1;
        for (int i = 0; i < x.Length; i++)
        {
            float a = Math.Abs(x[i]);
            if (a > bestValue)
            {
                bestValue = a;
                best = i;
            }
        }

        return best;
    }
}
