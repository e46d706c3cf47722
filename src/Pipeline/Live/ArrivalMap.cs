namespace HeartStream.Pipeline.Live;

/// <summary>
/// Maps a position in the analysed audio (which skips dropped chunks) back to the device stream position and the wall
/// time its chunk arrived. A ring of the most recent chunks; sounds are final a few seconds after their audio, far
/// inside the ring. No allocation after construction.
/// </summary>
internal sealed class ArrivalMap
{
    private readonly long[] _analysedStart;
    private readonly long[] _deviceStart;
    private readonly long[] _arrival;
    private int _count;
    private int _newest = -1;

    public ArrivalMap(int capacity)
    {
        _analysedStart = new long[capacity];
        _deviceStart = new long[capacity];
        _arrival = new long[capacity];
    }

    public void Add(long analysedStart, long deviceStart, long arrivalTimestamp)
    {
        _newest = (_newest + 1) % _analysedStart.Length;
        _analysedStart[_newest] = analysedStart;
        _deviceStart[_newest] = deviceStart;
        _arrival[_newest] = arrivalTimestamp;
        _count = Math.Min(_count + 1, _analysedStart.Length);
    }

    /// <summary>Device position and arrival time of analysed sample <paramref name="analysedSample"/>; false if none recorded.</summary>
    public bool TryFind(long analysedSample, out long deviceSample, out long arrivalTimestamp)
    {
        int slot = _newest;
        for (int i = 0; i < _count; i++)
        {
            if (_analysedStart[slot] <= analysedSample || i == _count - 1)
            {
                deviceSample = _deviceStart[slot] + Math.Max(0, analysedSample - _analysedStart[slot]);
                arrivalTimestamp = _arrival[slot];
                return true;
            }

            slot = slot == 0 ? _analysedStart.Length - 1 : slot - 1;
        }

        deviceSample = analysedSample;
        arrivalTimestamp = 0;
        return false;
    }
}
