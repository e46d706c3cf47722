namespace HeartStream.Pipeline.Live;

/// <summary>
/// Reduces one device's audio to a display envelope: the largest |sample| per bin of sampleRate / pointsPerSecond
/// samples, handed out in blocks of <c>pointsPerBlock</c> bins (one array per block, none per sample). Chunking does
/// not change the result.
/// </summary>
public sealed class WaveformTap
{
    private readonly int _binSamples;
    private readonly int _pointsPerBlock;
    private readonly Queue<(float[] Peaks, long FirstSample)> _ready = new();
    private float[] _block;
    private int _filled;
    private int _inBin;
    private float _peak;
    private long _blockStart;

    public WaveformTap(int sampleRate, int pointsPerSecond, int pointsPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pointsPerSecond, sampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerBlock, 1);
        PointsPerSecond = pointsPerSecond;
        _binSamples = sampleRate / pointsPerSecond;
        _pointsPerBlock = pointsPerBlock;
        _block = new float[pointsPerBlock];
    }

    /// <summary>Bins per second of audio.</summary>
    public int PointsPerSecond { get; }

    /// <summary>Samples per bin.</summary>
    public int BinSamples => _binSamples;

    /// <summary>Adds audio; completed blocks wait for <see cref="TryTake"/>.</summary>
    public void Add(ReadOnlySpan<float> samples)
    {
        float peak = _peak;
        int inBin = _inBin;
        foreach (float s in samples)
        {
            float a = MathF.Abs(s);
            if (a > peak)
            {
                peak = a;
            }

            if (++inBin == _binSamples)
            {
                _block[_filled++] = peak;
                peak = 0;
                inBin = 0;
                if (_filled == _pointsPerBlock)
                {
                    _ready.Enqueue((_block, _blockStart));
                    _blockStart += (long)_pointsPerBlock * _binSamples;
                    _block = new float[_pointsPerBlock];
                    _filled = 0;
                }
            }
        }

        _peak = peak;
        _inBin = inBin;
    }

    /// <summary>The oldest completed block and the index of its first sample in the stream.</summary>
    public bool TryTake(out float[] peaks, out long firstSample)
    {
        if (_ready.TryDequeue(out (float[] Peaks, long FirstSample) block))
        {
            (peaks, firstSample) = block;
            return true;
        }

        peaks = [];
        firstSample = 0;
        return false;
    }
}
