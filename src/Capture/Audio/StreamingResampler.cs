using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace HeartStream.Capture.Audio;

/// <summary>
/// Band-limited rational-ratio resampler (polyphase windowed sinc, Kaiser window) for streams fed in
/// chunks of any size. Output sample n always represents input time n / outputRate: the filter's
/// group delay is removed by waiting for the look-ahead instead of shifting the output, so streaming
/// and offline results agree sample for sample.
/// </summary>
/// <remarks>
/// <para>Filter, with F = min(inputRate, outputRate): pass-band 0 to 0.45·F (ripple below 0.001 dB),
/// stop-band from 0.50·F (attenuation at least 80 dB; designed for 90 dB), so nothing aliases into the
/// output band at all; -6 dB point at 0.475·F. For 2000 Hz output that is flat to 900 Hz and
/// rejects everything from 1000 Hz. The prototype is designed at L·inputRate with the Kaiser
/// formulas and split into L phases of <see cref="TapsPerPhase"/> taps; L/M = outputRate/inputRate in
/// lowest terms (44100 → 2000 is 20/441).</para>
/// <para>Latency: an output sample is emitted once the input up to half a filter length past it has
/// arrived (<see cref="LatencyInputSamples"/>). <see cref="Flush"/> supplies that look-ahead as zeros
/// at the end of a stream, so that in total round(inputLength · outputRate / inputRate) samples come
/// out. The input is taken to be zero before its first sample.</para>
/// <para>Equal rates pass samples through unchanged, with no latency.</para>
/// <para><see cref="Process"/> does not allocate; all tables are built in the constructor.</para>
/// </remarks>
public sealed class StreamingResampler
{
    /// <summary>Pass-band edge as a fraction of the lower of the two rates.</summary>
    public const double PassBandFraction = 0.45;

    /// <summary>Stop-band edge as a fraction of the lower of the two rates.</summary>
    public const double StopBandFraction = 0.50;

    /// <summary>Stop-band attenuation the Kaiser window is designed for, in dB (80 dB guaranteed with margin).</summary>
    public const double DesignAttenuationDb = 90.0;

    private const long MaxTableSize = 1 << 24;

    private readonly int _up;           // L
    private readonly int _down;         // M
    private readonly int _taps;         // T, taps per phase
    private readonly int _halfLength;   // D, centre of the prototype, in up-sampled samples
    private readonly float[] _phases;   // L × T, each phase reversed so it lines up with the history
    private readonly float[] _history;  // 2 × T, every sample written twice so a window is contiguous
    private readonly bool _identity;

    private int _historyPos;
    private long _inputCount;
    private long _outputCount;
    private long _nextLast;   // index of the newest input sample the next output needs
    private int _nextPhase;   // phase of the next output

    /// <summary>Builds the filter tables for converting <paramref name="inputRate"/> to <paramref name="outputRate"/>.</summary>
    public StreamingResampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;
        int g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;
        _identity = inputRate == outputRate;
        if (_identity)
        {
            _taps = 1;
            _phases = [];
            _history = [];
            return;
        }

        // Kaiser design at the up-sampled rate L·inputRate.
        double upRate = (double)_up * inputRate;
        double lower = Math.Min(inputRate, outputRate);
        double transition = 2 * Math.PI * (StopBandFraction - PassBandFraction) * lower / upRate;
        int length = (int)Math.Ceiling((DesignAttenuationDb - 7.95) / (2.285 * transition)) + 1;
        length |= 1; // odd: the centre falls on a sample, so the delay is a whole number of up-sampled samples
        _taps = (length + _up - 1) / _up;
        if ((long)_taps * _up > MaxTableSize)
        {
            throw new ArgumentException($"Resampling {inputRate} Hz to {outputRate} Hz needs a {(long)_taps * _up}-tap table (ratio {_up}/{_down} too complex); the limit is {MaxTableSize}.", nameof(outputRate));
        }

        _halfLength = (length - 1) / 2;
        double beta = 0.1102 * (DesignAttenuationDb - 8.7);
        double cutoff = 0.5 * (PassBandFraction + StopBandFraction) * lower / upRate; // cycles per up-sampled sample
        double[] prototype = new double[_taps * _up];
        double i0Beta = BesselI0(beta);
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            double t = i - _halfLength;
            double ratio = t / _halfLength;
            double window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - (ratio * ratio)))) / i0Beta;
            double x = 2 * cutoff * t;
            double sinc = t == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);
            prototype[i] = 2 * cutoff * sinc * window;
            sum += prototype[i];
        }

        // Gain L restores the level lost by zero-stuffing; normalised so DC passes at exactly 1.
        double scale = _up / sum;
        _phases = new float[_taps * _up];
        for (int p = 0; p < _up; p++)
        {
            for (int j = 0; j < _taps; j++)
            {
                _phases[(p * _taps) + (_taps - 1 - j)] = (float)(prototype[p + (j * _up)] * scale);
            }
        }

        _history = new float[2 * _taps];
        Reset();
    }

    /// <summary>Input rate in Hz.</summary>
    public int InputRate { get; }

    /// <summary>Output rate in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>Taps of each polyphase branch (work per output sample).</summary>
    public int TapsPerPhase => _identity ? 1 : _taps;

    /// <summary>How many input samples past an output instant must arrive before it is emitted.</summary>
    public double LatencyInputSamples => _identity ? 0 : (double)_halfLength / _up;

    /// <summary>How many samples the next <see cref="Flush"/> writes.</summary>
    public int FlushLength => _identity ? 0 : (int)(TotalOutput(_inputCount) - _outputCount);

    /// <summary>Upper bound of samples one <see cref="Process"/> call writes for this many input samples.</summary>
    public int MaxOutput(int inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        return _identity ? inputLength : (int)(((long)inputLength * _up / _down) + 1);
    }

    /// <summary>
    /// Feeds input, writes every output sample whose look-ahead is now complete; returns how many were
    /// written. <paramref name="output"/> must hold at least <see cref="MaxOutput"/>(input.Length). Does not allocate.
    /// </summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < MaxOutput(input.Length))
        {
            throw new ArgumentException($"Output span holds {output.Length} samples; {MaxOutput(input.Length)} are needed for {input.Length} input samples.", nameof(output));
        }

        if (_identity)
        {
            input.CopyTo(output);
            _inputCount += input.Length;
            return input.Length;
        }

        int written = 0;
        for (int i = 0; i < input.Length; i++)
        {
            written += Push(input[i], output[written..]);
        }

        return written;
    }

    /// <summary>
    /// Ends the stream: writes the remaining <see cref="FlushLength"/> samples (the look-ahead filled
    /// with zeros) and resets, ready for a new stream. Returns how many samples were written.
    /// </summary>
    public int Flush(Span<float> output)
    {
        int pending = FlushLength;
        if (output.Length < pending)
        {
            throw new ArgumentException($"Output span holds {output.Length} samples; Flush writes {pending}.", nameof(output));
        }

        // Push zeros as the missing look-ahead; the output slice stops the last push at the total.
        int written = 0;
        while (written < pending)
        {
            written += Push(0f, output[written..pending]);
        }

        Reset();
        return pending;
    }

    /// <summary>Forgets all input: the next sample starts a new stream at time zero.</summary>
    public void Reset()
    {
        _inputCount = 0;
        _outputCount = 0;
        if (_identity)
        {
            return;
        }

        Array.Clear(_history);
        _historyPos = 0;
        _nextLast = _halfLength / _up;
        _nextPhase = _halfLength % _up;
    }

    /// <summary>
    /// Resamples a whole signal; the output (round(length · outRate / inRate) samples) is aligned in
    /// time with the input: output sample n is the band-limited input at time n / outRate.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> x, int inRate, int outRate)
    {
        var resampler = new StreamingResampler(inRate, outRate);
        if (resampler._identity)
        {
            return x.ToArray();
        }

        float[] output = new float[resampler.MaxOutput(x.Length) + (int)resampler.TotalOutput(x.Length)];
        int written = resampler.Process(x, output);
        written += resampler.Flush(output.AsSpan(written));
        Debug.Assert(written == (int)(((2L * x.Length * outRate) + inRate) / (2L * inRate)), "length must be round(len·out/in)");
        return output.AsSpan(0, written).ToArray();
    }

    private long TotalOutput(long inputCount) => ((2 * inputCount * _up) + _down) / (2 * _down);

    /// <summary>Appends one input sample and emits the outputs it completes (no more than fit in <paramref name="output"/>).</summary>
    private int Push(float sample, Span<float> output)
    {
        _history[_historyPos] = sample;
        _history[_historyPos + _taps] = sample;
        _historyPos = _historyPos + 1 == _taps ? 0 : _historyPos + 1;
        long newest = _inputCount++;

        int written = 0;
        ReadOnlySpan<float> window = _history.AsSpan(_historyPos, _taps);
        while (_nextLast == newest && written < output.Length)
        {
            output[written++] = Dot(window, _phases.AsSpan(_nextPhase * _taps, _taps));
            _outputCount++;
            _nextPhase += _down;
            while (_nextPhase >= _up)
            {
                _nextPhase -= _up;
                _nextLast++;
            }
        }

        return written;
    }

    /// <summary>Dot product with a fixed summation order, so results never depend on memory alignment.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            Vector<float> acc = Vector<float>.Zero;
            for (int k = 0; k < va.Length; k++)
            {
                acc += va[k] * vb[k];
            }

            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20).</summary>
    private static double BesselI0(double x)
    {
        double sum = 1;
        double term = 1;
        double half = x / 2;
        for (int k = 1; k < 200; k++)
        {
            term *= half / k;
            double t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
