using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Decides whether each decoded S1 was actually heard, with the adaptive signal/noise thresholds of Pan and Tompkins'
/// QRS detector (IEEE Trans Biomed Eng 1985) applied to heart sounds: running estimates of the S1 peak level (SPK,
/// from heard S1s) and of the noise peak level (NPK, from decoded diastoles and unheard S1s), each updated as
/// 0.125 × new + 0.875 × old; an S1 is heard when its peak reaches NPK + 0.25 × (SPK − NPK), or twice NPK (so a
/// drop in gain, which keeps the contrast to the noise, is still heard).
/// </summary>
/// <remarks>
/// Why: the streaming HSMM always decodes a rhythm. In a signal without heart sounds it goes on placing S1s in the
/// noise (measured on a splice of 46532_AV: an S1 every ~1.8 s at quality 0.96), so "no S1 decoded" never happens;
/// an S1 whose peak is at the noise level is not a heart sound. Peaks are taken per 20 ms frame of the audio after
/// a first-order 20 Hz high-pass (baseline drift out, heart sounds in). Allocation-free after construction.
/// </remarks>
internal sealed class HeardBeatDetector
{
    private const int FramesPerSecond = 50;
    private const int RingSeconds = 128;
    private const double Learn = 0.125;
    private const double ThresholdShare = 0.125;
    private const double ContrastToNoise = 1.5;

    private readonly float[] _framePeaks = new float[FramesPerSecond * RingSeconds];
    private readonly int _samplesPerFrame;
    private readonly float _hpCoefficient;
    private float _hpInput;
    private float _hpOutput;
    private long _samples;
    private double _spk = double.NaN;
    private double _npk;
    private double _lastS2End = double.NaN;

    public HeardBeatDetector(int sampleRate)
    {
        _samplesPerFrame = Math.Max(1, sampleRate / FramesPerSecond);
        _hpCoefficient = (float)Math.Exp(-2 * Math.PI * 20.0 / sampleRate);
    }

    /// <summary>Centre of the latest heard heart sound, S1 or S2 (stream seconds), NaN before the first.</summary>
    public double LastHeard { get; private set; } = double.NaN;

    public void AddAudio(ReadOnlySpan<float> audio)
    {
        for (int i = 0; i < audio.Length; i++)
        {
            // y[n] = a (y[n-1] + x[n] - x[n-1]): first-order high-pass.
            float y = _hpCoefficient * (_hpOutput + audio[i] - _hpInput);
            _hpInput = audio[i];
            _hpOutput = y;
            long frame = _samples / _samplesPerFrame;
            int slot = (int)(frame % _framePeaks.Length);
            float current = _samples % _samplesPerFrame == 0 ? 0f : _framePeaks[slot];
            _framePeaks[slot] = Math.Max(current, Math.Abs(y));
            _samples++;
        }
    }

    public void AddSound(HeartSound sound)
    {
        // Noise: the gap since the previous sound when it is diastole-long (S2 → S1), not the short systole.
        if (sound.Type == SoundType.S1 && !double.IsNaN(_lastS2End) && sound.StartSeconds - _lastS2End > 0.04)
        {
            _npk = (Learn * Peak(_lastS2End, sound.StartSeconds)) + ((1 - Learn) * _npk);
        }

        _lastS2End = sound.Type == SoundType.S2 ? sound.EndSeconds : double.NaN;
        double peak = Peak(sound.StartSeconds, sound.EndSeconds);
        bool heard = double.IsNaN(_spk)
            || peak >= _npk + (ThresholdShare * (_spk - _npk))
            || peak >= ContrastToNoise * _npk;
        if (heard)
        {
            _spk = double.IsNaN(_spk) ? peak : (Learn * peak) + ((1 - Learn) * _spk);
            LastHeard = sound.CentreSeconds;
        }
        else
        {
            _npk = (Learn * peak) + ((1 - Learn) * _npk);
        }
    }

    // Peak of the frames overlapping [from, to] that the ring still holds and the audio has reached.
    private double Peak(double from, double to)
    {
        long last = Math.Min((long)(to * FramesPerSecond), (_samples / _samplesPerFrame) - 1);
        long first = Math.Max(Math.Max(0, (long)(from * FramesPerSecond)), last - _framePeaks.Length + 1);
        float peak = 0;
        for (long f = first; f <= last; f++)
        {
            peak = Math.Max(peak, _framePeaks[(int)(f % _framePeaks.Length)]);
        }

        return peak;
    }
}
