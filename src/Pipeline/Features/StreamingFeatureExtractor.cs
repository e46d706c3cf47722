using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using HeartStream.Pipeline.Dsp;

namespace HeartStream.Pipeline.Features;

/// <summary>
/// The one feature path for training and serving: 2 kHz mono audio in, 4-channel frames at 50 frames/s out
/// (frame-major, <see cref="FeatureChannel"/> order). Springer et al. (2016) features, made causal so they can run
/// live and so that feeding any chunk sizes gives bitwise the same frames as feeding the whole signal.
/// <list type="number">
/// <item>25–400 Hz Butterworth band-pass (causal biquads).</item>
/// <item>Streaming spike removal (<see cref="StreamingSpikeRemover"/>), a fixed delay of one 500 ms block.</item>
/// <item>FIR Hilbert transformer (241 taps, delay D = 120 samples); the real part is the input delayed by D, so the
/// analytic signal at content time t = s - D is exact up to the FIR's ±0.5 % ripple. The 125–250 Hz wavelet-band FIR
/// has the same length and delay, so both line up.</item>
/// <item>Per sample at content time t: Hilbert envelope e = |analytic|; homomorphic = exp(LP_8Hz(log(max(e, floor)))),
/// its low-pass started in steady state on the first value; band power = (40–60 Hz Butterworth band of x)²;
/// wavelet = |125–250 Hz FIR band|. The last three go through a 20 Hz Butterworth low-pass (anti-alias).</item>
/// <item>Frame j is the value at content time t = 40 j + 39 (the last sample of audio frame j).</item>
/// </list>
/// Latency: frame j is emitted in the call that delivers the last sample of audio frame j + <see cref="LatencyFrames"/>
/// (28 frames = 0.56 s: one spike block of 25 frames plus the FIR delay of 3 frames). The causal IIR low-passes add a
/// phase lag on top (about 20–40 ms); it is the same in training and serving, so models learn it.
/// </summary>
public sealed class StreamingFeatureExtractor
{
    private const int Chunk = 256;

    private readonly FeatureSettings _settings;
    private readonly int _samplesPerFrame;
    private readonly int _delay;
    private readonly int _taps;
    private readonly BiquadCascade _bandPass;
    private readonly StreamingSpikeRemover _spikes;
    private readonly FirFilter _hilbert;
    private readonly FirFilter _wavelet;
    private readonly BiquadCascade _logLowPass;
    private readonly BiquadCascade _hilbertLowPass;
    private readonly BiquadCascade _powerBand;
    private readonly BiquadCascade _powerLowPass;
    private readonly BiquadCascade _waveletLowPass;
    private readonly float _logFloor;
    private readonly float[] _filtered = new float[Chunk];
    private readonly float[] _released = new float[Chunk];
    private readonly float[] _history;   // (taps - 1) older cleaned samples, then the current chunk
    private readonly float[] _hilbertOut = new float[Chunk];
    private readonly float[] _waveletOut = new float[Chunk];
    private readonly float[] _zeros = new float[Chunk];
    private long _samplesIn;
    private long _releasedTotal;
    private int _untilFrame; // content samples left until the next frame point; counts down, avoids a 64-bit modulo per sample

    /// <summary>Creates an extractor with <see cref="FeatureSettings.Default"/>.</summary>
    public StreamingFeatureExtractor()
        : this(FeatureSettings.Default)
    {
    }

    public StreamingFeatureExtractor(FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        double fs = settings.SampleRate;
        _samplesPerFrame = settings.SamplesPerFrame;
        _taps = settings.FirTaps;
        _delay = (_taps - 1) / 2;
        _bandPass = new BiquadCascade(ButterworthDesign.BandPass(settings.BandPassOrder, settings.BandPassLowHz, settings.BandPassHighHz, fs));
        _spikes = new StreamingSpikeRemover(settings.SpikeBlockSamples, settings.SpikeHistoryBlocks, settings.SpikeThresholdFactor, settings.SpikeMaxRemovalsPerBlock);
        _hilbert = new FirFilter(FirDesign.HilbertTransformer(_taps), Chunk);
        _wavelet = new FirFilter(FirDesign.BandPass(_taps, settings.WaveletLowHz, settings.WaveletHighHz, fs), Chunk);
        _logLowPass = new BiquadCascade(ButterworthDesign.LowPass(settings.HomomorphicOrder, settings.HomomorphicCutoffHz, fs));
        BiquadSection[] envelope = ButterworthDesign.LowPass(settings.EnvelopeOrder, settings.EnvelopeCutoffHz, fs);
        _hilbertLowPass = new BiquadCascade(envelope);
        _powerLowPass = new BiquadCascade(envelope);
        _waveletLowPass = new BiquadCascade(envelope);
        _powerBand = new BiquadCascade(ButterworthDesign.BandPass(settings.PowerBandOrder, settings.PowerBandLowHz, settings.PowerBandHighHz, fs));
        _logFloor = (float)settings.LogFloor;
        _history = new float[_taps - 1 + Chunk];
    }

    /// <summary>Channels per frame.</summary>
    public int Channels => _settings.Channels;

    /// <summary>The settings the frames are computed with.</summary>
    public FeatureSettings Settings => _settings;

    /// <summary>Frames between the audio frame a feature frame describes and the audio frame whose last sample releases it.</summary>
    public int LatencyFrames => (_delay + _spikes.LatencySamples) / _samplesPerFrame;

    /// <summary>Audio samples consumed since construction or <see cref="Reset"/>.</summary>
    public long SamplesConsumed => _samplesIn;

    /// <summary>Frames emitted since construction or <see cref="Reset"/>.</summary>
    public long FramesEmitted => TotalFrames(_samplesIn);

    /// <summary>Spike lobes zeroed so far.</summary>
    public long SpikeLobesRemoved => _spikes.LobesRemoved;

    /// <summary>Exactly how many frames the next <see cref="Process"/> call with <paramref name="audioLength"/> samples returns.</summary>
    public int MaxFrames(int audioLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(audioLength);
        return (int)(TotalFrames(_samplesIn + audioLength) - TotalFrames(_samplesIn));
    }

    /// <summary>
    /// Consumes <paramref name="audio"/> (2 kHz, any scale, finite) and writes the frames it completes into
    /// <paramref name="frames"/> (frame-major, <see cref="Channels"/> floats per frame). Returns the frame count.
    /// Allocates nothing.
    /// </summary>
    public int Process(ReadOnlySpan<float> audio, Span<float> frames)
    {
        if (audio.IsEmpty)
        {
            return 0;
        }

        int expected = MaxFrames(audio.Length);
        if (frames.Length < expected * Channels)
        {
            throw new ArgumentException($"Frame buffer holds {frames.Length} floats but this call produces {expected} frames × {Channels} channels.", nameof(frames));
        }

        float peak = TensorPrimitives.MaxMagnitude(audio);
        if (!float.IsFinite(peak))
        {
            throw new ArgumentException("Audio contains NaN or infinite samples; refusing it so the filter state stays valid.", nameof(audio));
        }

        int written = 0;
        while (!audio.IsEmpty)
        {
            int n = Math.Min(audio.Length, Chunk);
            written += Step(audio[..n], frames[(written * Channels)..]);
            audio = audio[n..];
        }

        return written;
    }

    /// <summary>
    /// Pushes (taps-1)/2 + one spike block of zeros through, releasing the frames still held back by the latency so a
    /// finished recording of n samples yields n / 40 frames in all. Call <see cref="Reset"/> before reusing the
    /// extractor for another stream. Returns the number of frames written.
    /// </summary>
    public int Flush(Span<float> frames)
    {
        int remaining = _delay + _spikes.LatencySamples;
        int expected = MaxFrames(remaining);
        if (frames.Length < expected * Channels)
        {
            throw new ArgumentException($"Frame buffer holds {frames.Length} floats but flushing produces {expected} frames × {Channels} channels.", nameof(frames));
        }

        int written = 0;
        while (remaining > 0)
        {
            int n = Math.Min(remaining, Chunk);
            written += Step(_zeros.AsSpan(0, n), frames[(written * Channels)..]);
            remaining -= n;
        }

        return written;
    }

    /// <summary>Returns to the freshly constructed state.</summary>
    public void Reset()
    {
        _bandPass.Reset();
        _spikes.Reset();
        _hilbert.Reset();
        _wavelet.Reset();
        _logLowPass.Reset();
        _hilbertLowPass.Reset();
        _powerBand.Reset();
        _powerLowPass.Reset();
        _waveletLowPass.Reset();
        Array.Clear(_history);
        _samplesIn = 0;
        _releasedTotal = 0;
        _untilFrame = 0;
    }

    private long TotalFrames(long samples)
    {
        // Frame j needs cleaned sample s = 40 j + 39 + D, which leaves the spike remover when input index s + L arrives.
        long usable = samples - _delay - _spikes.LatencySamples;
        return usable <= 0 ? 0 : usable / _samplesPerFrame;
    }

    // Hot DSP loop: compile fully optimised at once; tier-0 code would run the first seconds of a stream ~10x slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Step(ReadOnlySpan<float> audio, Span<float> frames)
    {
        int n = audio.Length;
        _samplesIn += n;
        Span<float> filtered = _filtered.AsSpan(0, n);
        _bandPass.Process(audio, filtered);
        int m = _spikes.Process(filtered, _released);
        if (m == 0)
        {
            return 0;
        }

        ReadOnlySpan<float> x = _released.AsSpan(0, m);
        Span<float> hil = _hilbertOut.AsSpan(0, m);
        Span<float> wav = _waveletOut.AsSpan(0, m);
        int past = _taps - 1;
        x.CopyTo(_history.AsSpan(past));
        ReadOnlySpan<float> window = _history.AsSpan(0, past + m);
        _hilbert.Apply(window, hil);
        _wavelet.Apply(window, wav);

        int written = 0;
        int channels = Channels;
        // Pre-roll: the first D outputs come before the FIR has reached the first sample (content time t = s - D < 0).
        int first = (int)Math.Clamp(_delay - _releasedTotal, 0, m);
        for (int i = first; i < m; i++)
        {

            float real = window[past + i - _delay];
            float imag = hil[i];
            double envelope = Math.Sqrt((real * (double)real) + (imag * (double)imag));
            double logEnvelope = Math.Log(Math.Max(envelope, _logFloor));
            if (_releasedTotal + i == _delay)
            {
                _logLowPass.SetSteadyState(logEnvelope); // t = 0: start the log low-pass settled, no start-up ramp
                _untilFrame = _samplesPerFrame;
            }

            double logSmooth = _logLowPass.ProcessSample(logEnvelope);
            double hilbert = _hilbertLowPass.ProcessSample(envelope);
            double band = _powerBand.ProcessSample(real);
            double power = _powerLowPass.ProcessSample(band * band);
            double wavelet = _waveletLowPass.ProcessSample(Math.Abs(wav[i]));
            if (--_untilFrame == 0)
            {
                _untilFrame = _samplesPerFrame;
                double homomorphic = Math.Exp(logSmooth); // only needed at frame points
                Span<float> frame = frames.Slice(written * channels, channels);
                frame[(int)FeatureChannel.Homomorphic] = (float)homomorphic;
                frame[(int)FeatureChannel.Hilbert] = (float)hilbert;
                frame[(int)FeatureChannel.BandPower] = (float)power;
                frame[(int)FeatureChannel.Wavelet] = (float)wavelet;
                written++;
            }
        }

        _history.AsSpan(m, past).CopyTo(_history);
        _releasedTotal += m;
        return written;
    }
}
