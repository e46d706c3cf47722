using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace HeartStream.Pipeline.Features;

/// <summary>
/// The spectral front end of the shared feature path: 2 kHz audio in, one log-power spectrum per 20-ms frame out
/// (frame-major, <see cref="SpectrogramSettings.Bins"/> floats per frame), for training and serving alike.
/// <list type="bullet">
/// <item>Frame j describes audio frame j (samples 40 j .. 40 j + 39): a Hann window of
/// <see cref="SpectrogramSettings.WindowSamples"/> samples centred on that frame's middle (40 j + 20), so with the
/// default 100 samples it spans 40 j − 30 .. 40 j + 69. Samples before the stream's start are zeros.</item>
/// <item>Bin k is the power of the windowed frame at f_k = FirstBinHz + k · BinSpacingHz (a direct DFT at those
/// frequencies, not an FFT, so the bins are where the settings say and nothing is computed above ~800 Hz):
/// P_k = |Σ w(n) x(n) e^{−2πi f_k n / fs}|² / (Σ w(n) / 2)², i.e. a full-scale sine at f_k gives P_k ≈ 1 (0 dB),
/// and the output is ln(max(P_k, PowerFloor)).</item>
/// <item>Latency: frame j is emitted in the call that delivers sample 40 j + 20 + WindowSamples / 2 − 1, i.e. with
/// the default window <see cref="LatencySamples"/> = 30 samples (15 ms) after the end of audio frame j.</item>
/// <item>Chunk invariance: each frame is computed from a contiguous copy of its own window with the same operations,
/// so feeding the audio in any chunk sizes gives bitwise the same frames (tested).</item>
/// <item>Normalisation per frequency is left to the windowing stage that already normalises the envelope channels
/// (<see cref="FeatureWindower"/> live, <see cref="FeatureMatrix.ToWindows"/> offline: each channel z-scored within
/// the window), so it is the same code live and offline.</item>
/// </list>
/// <see cref="Process"/> allocates nothing.
/// </summary>
public sealed class StreamingSpectrogram
{
    private readonly SpectrogramSettings _settings;
    private readonly int _window;
    private readonly int _hop;
    private readonly int _bins;
    private readonly int _lead;          // samples of the window before the start of its audio frame
    // Every stream of the same settings shares one read-only basis (32 KB with the defaults), not one per device.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (float[] Basis, double WindowSum)> s_bases = new(StringComparer.Ordinal);

    private readonly float[] _basis;     // 2 × bins rows of window length: w(n) cos, w(n) sin
    private readonly float[] _ring;      // 2 × window, every sample written twice so a window is contiguous
    private readonly float _scale;
    private readonly float _logFloor;
    private int _ringPos;
    private int _untilFrame;   // samples still to arrive before the next frame is complete (no division per sample)
    private long _samplesIn;
    private long _framesOut;

    /// <summary>Creates a spectrogram with <see cref="SpectrogramSettings.Default"/>.</summary>
    public StreamingSpectrogram()
        : this(SpectrogramSettings.Default)
    {
    }

    public StreamingSpectrogram(SpectrogramSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _window = settings.WindowSamples;
        _hop = settings.HopSamples;
        _bins = settings.Bins;
        _lead = (_window - _hop) / 2;
        (_basis, double windowSum) = s_bases.GetOrAdd(settings.CanonicalText(), _ => Basis(settings));
        double half = windowSum / 2;
        _scale = (float)(1.0 / (half * half));
        _logFloor = (float)settings.PowerFloor;
        _ring = new float[2 * _window];
        _untilFrame = _hop + _lead;
    }

    private static (float[] Basis, double WindowSum) Basis(SpectrogramSettings settings)
    {
        int window = settings.WindowSamples, bins = settings.Bins;
        var basis = new float[2 * bins * window];
        double windowSum = 0;
        for (int n = 0; n < window; n++)
        {
            double w = 0.5 - (0.5 * Math.Cos(2 * Math.PI * (n + 0.5) / window)); // symmetric about the centre
            windowSum += w;
            for (int k = 0; k < bins; k++)
            {
                double phase = 2 * Math.PI * settings.BinHz(k) * n / settings.SampleRate;
                basis[(2 * k * window) + n] = (float)(w * Math.Cos(phase));
                basis[(((2 * k) + 1) * window) + n] = (float)(w * Math.Sin(phase));
            }
        }

        return (basis, windowSum);
    }

    /// <summary>The settings the frames are computed with.</summary>
    public SpectrogramSettings Settings => _settings;

    /// <summary>Floats per frame.</summary>
    public int Bins => _bins;

    /// <summary>Samples after the end of audio frame j that frame j waits for.</summary>
    public int LatencySamples => _lead;

    /// <summary>Frames emitted since construction or <see cref="Reset"/>.</summary>
    public long FramesEmitted => _framesOut;

    /// <summary>Exactly how many frames the next <see cref="Process"/> call with <paramref name="audioLength"/> samples returns.</summary>
    public int MaxFrames(int audioLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(audioLength);
        return (int)(TotalFrames(_samplesIn + audioLength) - _framesOut);
    }

    /// <summary>
    /// Consumes <paramref name="audio"/> (2 kHz, finite) and writes the frames it completes into
    /// <paramref name="frames"/> (frame-major, <see cref="Bins"/> floats per frame); returns the frame count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Process(ReadOnlySpan<float> audio, Span<float> frames)
    {
        int expected = MaxFrames(audio.Length);
        if (frames.Length < expected * _bins)
        {
            throw new ArgumentException($"Frame buffer holds {frames.Length} floats but this call produces {expected} frames × {_bins} bins.", nameof(frames));
        }

        if (!audio.IsEmpty && !float.IsFinite(TensorPrimitives.MaxMagnitude(audio)))
        {
            throw new ArgumentException("Audio contains NaN or infinite samples; refusing it so the spectrogram state stays valid.", nameof(audio));
        }

        int written = 0;
        for (int i = 0; i < audio.Length; i++)
        {
            _ring[_ringPos] = audio[i];
            _ring[_ringPos + _window] = audio[i];
            _ringPos = _ringPos + 1 == _window ? 0 : _ringPos + 1;
            if (--_untilFrame == 0)
            {
                Emit(frames.Slice(written * _bins, _bins));
                written++;
                _untilFrame = _hop;
            }
        }

        _samplesIn += audio.Length;
        return written;
    }

    /// <summary>
    /// Supplies the look-ahead of the last frames as zeros, so a finished recording of n samples yields n / 40 frames
    /// in all; returns the frames written. Call <see cref="Reset"/> before reusing the object for another stream.
    /// </summary>
    public int Flush(Span<float> frames)
    {
        Span<float> zeros = stackalloc float[_lead];
        zeros.Clear();
        long target = _samplesIn / _hop; // whole audio frames received
        int written = 0;
        for (int i = 0; i < zeros.Length && _framesOut < target; i++)
        {
            written += Process(zeros.Slice(i, 1), frames[(written * _bins)..]);
        }

        return written;
    }

    /// <summary>Returns to the freshly constructed state.</summary>
    public void Reset()
    {
        Array.Clear(_ring);
        _ringPos = 0;
        _untilFrame = _hop + _lead;
        _samplesIn = 0;
        _framesOut = 0;
    }

    // Frame j is complete once sample hop·j + hop + lead − 1 (its window's last) has arrived.
    private long TotalFrames(long samples)
    {
        long usable = samples - _lead;
        return usable <= 0 ? 0 : usable / _hop;
    }

    private void Emit(Span<float> frame)
    {
        // The newest sample sits just before _ringPos; the window is the last _window samples, oldest first.
        ReadOnlySpan<float> window = _ring.AsSpan(_ringPos, _window);
        ReadOnlySpan<float> basis = _basis;
        for (int k = 0; k < _bins; k++)
        {
            float re = TensorPrimitives.Dot(window, basis.Slice(2 * k * _window, _window));
            float im = TensorPrimitives.Dot(window, basis.Slice(((2 * k) + 1) * _window, _window));
            float power = ((re * re) + (im * im)) * _scale;
            frame[k] = MathF.Log(MathF.Max(power, _logFloor));
        }

        _framesOut++;
    }
}
