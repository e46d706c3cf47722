using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Heart rate, interval irregularity and signal quality of one device over a trailing window, computed at fixed stream
/// times T = k·interval once the analyzer's sounds are final up to T, from sounds that ended by T: the values depend
/// only on the audio, never on chunking or timing.
/// </summary>
/// <remarks>
/// <para>Heart rate: 60 / median of S1-to-S1 intervals in 0.25..2 s (240..30 bpm; longer gaps are missed beats, not slow
/// beats); null with fewer than two such intervals (three S1s). Irregularity: their robust coefficient of variation,
/// 1.4826 × median absolute deviation / median. Median and MAD rather than mean and standard deviation because one
/// missed or extra S1 (a segmentation slip, common in noisy audio) doubles or halves one interval: with the mean it
/// moved the rate by 10–20 % and raised false bradycardia and irregular-rhythm alerts on normal recordings; a rhythm that
/// is irregular throughout (atrial fibrillation) still spreads the bulk of the intervals and is still caught.</para>
/// <para>Heard beats (opt-in, <c>heardBeatGate</c>): when no decoded sound was heard for 4 s (<see cref="HeardBeatDetector"/>: its peak must stand out
/// from the noise like the earlier S1s did), the vitals report 0 beats, no rate and quality = level alone, so the alert
/// engine's no-heart-sounds condition (0 beats at a usable level) holds within 4 s instead of after the window.</para>
/// <para>Signal quality = level × (0.4 coverage + 0.3 pairing + 0.3 regularity): level rises from 0 at the silence
/// threshold (<see cref="SignalCheck.SilentPeakDbfs"/>) to 1 at 40 dB above it (peak of the last 3 s of the window, so a
/// sensor going quiet shows within seconds); coverage is the share of the
/// window spanned by plausible S1-S1 intervals (the segmenter found a rhythm throughout); pairing is the share of those
/// intervals holding exactly one S2 (the segmenter's confidence in the S1/S2 order); regularity is 1 / (1 + (CV/0.3)²),
/// so an irregular rhythm lowers quality only gently.</para>
/// </remarks>
public sealed class VitalsTracker
{
    private const double MinInterval = 0.25;
    private const double MaxInterval = 2.0;
    private const int LevelRingSeconds = 128;
    private const int MaxIntervals = 256;

    // The level term looks at the last few seconds only, so a sensor that goes quiet (detached) reads as poor
    // quality within seconds instead of keeping the window's old peak for its whole length; 3 s still holds two
    // beats at 40 bpm.
    private const double LevelSeconds = 3;

    // No heard S1 for this long (more than two beats at 30 bpm, the asystole criterion of ECG monitors) and the
    // window's older beats no longer describe the present: the vitals report no beats and no rate.
    private const double NoHeardBeatSeconds = 4;

    private readonly HeartSound[] _sounds;
    private readonly HeardBeatDetector? _heard;
    private readonly float[] _peakPerSecond = new float[LevelRingSeconds];
    private readonly int _sampleRate;
    private readonly double _interval;
    private readonly double _window;
    private int _soundCount;
    private int _soundHead;
    private long _samples;
    private long _nextTick = 1;

    /// <param name="sampleRate">Audio rate of the device.</param>
    /// <param name="intervalSeconds">Vitals every this many seconds.</param>
    /// <param name="windowSeconds">Trailing window of the vitals.</param>
    /// <param name="heardBeatGate">
    /// Report no beats, no rate and quality = level when no decoded sound was heard for 4 s
    /// (<see cref="HeardBeatDetector"/>). Off by default: with the baseline segmenter it lets no-heart-sounds fire
    /// (spliced onset: raised 5.6 stream-seconds later) but also raises it falsely on 9 normal CirCor recordings
    /// (2.2/h, mostly where the segmenter halves the rate); docs/ALERTS.md has the figures.
    /// </param>
    public VitalsTracker(int sampleRate, double intervalSeconds, double windowSeconds, bool heardBeatGate = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        if (!(intervalSeconds > 0) || !(windowSeconds >= intervalSeconds) || windowSeconds > LevelRingSeconds / 2)
        {
            throw new ArgumentException($"Vitals interval must be > 0 and the window between it and {LevelRingSeconds / 2} s; got {intervalSeconds} s and {windowSeconds} s.");
        }

        _sampleRate = sampleRate;
        _heard = heardBeatGate ? new HeardBeatDetector(sampleRate) : null;
        _interval = intervalSeconds;
        _window = windowSeconds;
        _sounds = new HeartSound[(int)Math.Ceiling(windowSeconds * 2 * 240 / 60) + 8];
    }

    /// <summary>Stream time of the next vitals.</summary>
    public double NextTime => _nextTick * _interval;

    /// <summary>Records the level of the next analysed samples.</summary>
    public void AddAudio(ReadOnlySpan<float> audio)
    {
        _heard?.AddAudio(audio);
        int i = 0;
        while (i < audio.Length)
        {
            long second = _samples / _sampleRate;
            int slot = (int)(second % LevelRingSeconds);
            int inSecond = (int)(_samples % _sampleRate);
            int n = Math.Min(audio.Length - i, _sampleRate - inSecond);
            float peak = inSecond == 0 ? 0f : _peakPerSecond[slot];
            ReadOnlySpan<float> part = audio.Slice(i, n);
            for (int k = 0; k < part.Length; k++)
            {
                peak = Math.Max(peak, Math.Abs(part[k]));
            }

            _peakPerSecond[slot] = peak;
            _samples += n;
            i += n;
        }
    }

    /// <summary>Records a final sound (in order of emission).</summary>
    public void AddSound(HeartSound sound)
    {
        _heard?.AddSound(sound);
        _sounds[_soundHead] = sound;
        _soundHead = (_soundHead + 1) % _sounds.Length;
        _soundCount = Math.Min(_soundCount + 1, _sounds.Length);
    }

    /// <summary>
    /// The vitals at the next tick, if sounds are final up to it (and the tick lies within the audio seen); advances.
    /// </summary>
    public bool TryNext(double finalizedSeconds, out double time, out double? heartRateBpm, out double? irregularity, out double quality, out int beats)
    {
        time = NextTime;
        double audioSeconds = (double)_samples / _sampleRate;
        if (time > finalizedSeconds || time > audioSeconds)
        {
            heartRateBpm = irregularity = null;
            quality = 0;
            beats = 0;
            return false;
        }

        _nextTick++;
        Compute(time, out heartRateBpm, out irregularity, out quality, out beats);
        return true;
    }

    private void Compute(double time, out double? heartRateBpm, out double? irregularity, out double quality, out int beats)
    {
        double from = time - _window;
        double lastS1 = double.NaN;
        double sum = 0;
        int intervals = 0;
        Span<double> lengths = stackalloc double[MaxIntervals];
        int paired = 0;
        int s2Since = 0;
        beats = 0;

        // Oldest to newest; sounds arrive in time order.
        int start = (_soundHead - _soundCount + _sounds.Length) % _sounds.Length;
        for (int k = 0; k < _soundCount; k++)
        {
            HeartSound s = _sounds[(start + k) % _sounds.Length];
            if (s.EndSeconds > time || s.CentreSeconds < from)
            {
                continue;
            }

            if (s.Type == SoundType.S2)
            {
                s2Since++;
                continue;
            }

            beats++;
            if (!double.IsNaN(lastS1))
            {
                double d = s.CentreSeconds - lastS1;
                if (d is >= MinInterval and <= MaxInterval && intervals < MaxIntervals)
                {
                    sum += d;
                    lengths[intervals] = d;
                    intervals++;
                    paired += s2Since == 1 ? 1 : 0;
                }
            }

            lastS1 = s.CentreSeconds;
            s2Since = 0;
        }

        double regularity = 0;
        if (intervals >= 2)
        {
            Span<double> used = lengths[..intervals];
            double median = Median.InPlace(used);
            for (int i = 0; i < used.Length; i++)
            {
                used[i] = Math.Abs(used[i] - median);
            }

            double cv = 1.4826 * Median.InPlace(used) / median;
            heartRateBpm = 60.0 / median;
            irregularity = cv;
            regularity = 1.0 / (1.0 + ((cv / 0.3) * (cv / 0.3)));
        }
        else
        {
            heartRateBpm = null;
            irregularity = null;
        }

        double lastHeard = _heard is null ? time : double.IsNaN(_heard.LastHeard) ? 0 : _heard.LastHeard;
        if (time - lastHeard >= NoHeardBeatSeconds)
        {
            // No heart sound heard lately: no beats and no rate now; quality is the signal level alone (a steady
            // signal at a usable level in which no heart sound stands out, or silence at 0).
            heartRateBpm = null;
            irregularity = null;
            beats = 0;
            quality = Level(time);
            return;
        }

        double span = Math.Min(_window, time);
        double coverage = intervals == 0 ? 0 : Math.Min(1.0, sum / span);
        double pairing = intervals == 0 ? 0 : (double)paired / intervals;
        quality = Level(time) * ((0.4 * coverage) + (0.3 * pairing) + (0.3 * regularity));
    }

    private double Level(double time)
    {
        long last = Math.Max(0, (long)Math.Ceiling(time) - 1);
        long first = Math.Max(0, (long)Math.Floor(time - Math.Min(_window, LevelSeconds)));
        first = Math.Max(first, last - (LevelRingSeconds / 2));
        float peak = 0;
        for (long s = first; s <= last; s++)
        {
            peak = Math.Max(peak, _peakPerSecond[(int)(s % LevelRingSeconds)]);
        }

        double db = peak > 0 ? 20 * Math.Log10(peak) : double.NegativeInfinity;
        return Math.Clamp((db - SignalCheck.SilentPeakDbfs) / 40.0, 0, 1);
    }
}
