using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// An <see cref="IDeviceAnalyzer"/> that runs the offline <see cref="RecordingAnalyzer"/> over a sliding window of the
/// device's recent audio (default 12 s, every 2 s) and makes final the sounds whose centre lies between the previous
/// and the new finalised time (window end − a right margin), so every sound is reported once, in order, with at least
/// the margin of context on both sides. An interim analyzer for the service and demo until the streaming segmentation
/// session lands; it costs about window/step times real time of offline analysis per device.
/// </summary>
/// <remarks>
/// Not allocation-free: each analysis step allocates the analyzer's buffers (once per step, not per sample or chunk).
/// <see cref="Push"/> copies the chunk into a ring and analyses only when a step is due.
/// </remarks>
public sealed class WindowedRecordingAnalyzer : IDeviceAnalyzer
{
    private readonly RecordingAnalyzer _analyzer;
    private readonly int _sampleRate;
    private readonly float[] _ring;
    private readonly float[] _window;
    private readonly long _step;
    private readonly double _rightMarginSeconds;
    private long _total;
    private long _nextAnalysis;
    private double _finalized;

    /// <summary>Creates the analyzer of one device.</summary>
    public WindowedRecordingAnalyzer(SegmenterParameters parameters, int sampleRate, double windowSeconds = 12, double stepSeconds = 2, double rightMarginSeconds = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (sampleRate is < 1000 or > 48000)
        {
            throw new ArgumentException($"Sample rate {sampleRate} Hz cannot be analysed; 1000..48000 Hz is supported.", nameof(sampleRate));
        }

        if (!(stepSeconds > 0) || !(rightMarginSeconds >= 0) || !(windowSeconds >= stepSeconds + (2 * rightMarginSeconds) + RecordingAnalyzer.MinimumSeconds))
        {
            throw new ArgumentException($"Window {windowSeconds} s must hold the step {stepSeconds} s, two margins of {rightMarginSeconds} s and {RecordingAnalyzer.MinimumSeconds} s.");
        }

        _analyzer = new RecordingAnalyzer(parameters);
        _sampleRate = sampleRate;
        _ring = new float[(int)Math.Ceiling(windowSeconds * sampleRate)];
        _window = new float[_ring.Length];
        _step = (long)Math.Round(stepSeconds * sampleRate);
        _rightMarginSeconds = rightMarginSeconds;
        _nextAnalysis = Math.Max(_step, (long)Math.Round((rightMarginSeconds + RecordingAnalyzer.MinimumSeconds) * sampleRate) + _step);
    }

    /// <inheritdoc />
    public double FinalizedSeconds => _finalized;

    /// <inheritdoc />
    public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        while (!audio.IsEmpty)
        {
            int take = (int)Math.Min(audio.Length, _nextAnalysis - _total);
            Append(audio[..take]);
            audio = audio[take..];
            if (_total == _nextAnalysis)
            {
                Analyse(final: false, finalized);
                _nextAnalysis += _step;
            }
        }
    }

    /// <inheritdoc />
    public void Flush(List<HeartSound> finalized)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        Analyse(final: true, finalized);
    }

    private void Append(ReadOnlySpan<float> audio)
    {
        while (!audio.IsEmpty)
        {
            int at = (int)(_total % _ring.Length);
            int n = Math.Min(audio.Length, _ring.Length - at);
            audio[..n].CopyTo(_ring.AsSpan(at));
            audio = audio[n..];
            _total += n;
        }
    }

    private void Analyse(bool final, List<HeartSound> finalized)
    {
        int length = (int)Math.Min(_total, _ring.Length);
        long start = _total - length;
        if ((double)length / _sampleRate < RecordingAnalyzer.MinimumSeconds)
        {
            _finalized = (double)_total / _sampleRate;
            return;
        }

        // Unroll the ring oldest-first.
        int at = (int)(start % _ring.Length);
        int first = Math.Min(length, _ring.Length - at);
        _ring.AsSpan(at, first).CopyTo(_window);
        _ring.AsSpan(0, length - first).CopyTo(_window.AsSpan(first));
        RecordingAnalysis analysis = _analyzer.Analyze(_window.AsSpan(0, length), _sampleRate);
        double offset = (double)start / _sampleRate;
        double end = (double)_total / _sampleRate;
        double upTo = final ? double.PositiveInfinity : end - _rightMarginSeconds;
        foreach (HeartSound s in analysis.Sounds)
        {
            double centre = s.CentreSeconds + offset;
            if (centre >= _finalized && centre < upTo)
            {
                finalized.Add(new HeartSound(s.Type, s.StartSeconds + offset, s.EndSeconds + offset));
            }
        }

        _finalized = final ? end : Math.Max(_finalized, upTo);
    }
}
