namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// The series (label combinations) of one synchronous instrument. Lookups read an immutable array without locking
/// and compare a precomputed hash first; a new combination copies the array under a lock (rare: label sets are small).
/// </summary>
internal sealed class SeriesTable<TSeries>(int maxSeries, Func<LabelSet, TSeries> create)
    where TSeries : class, ISeries
{
    private readonly Lock _addLock = new();
    private TSeries[] _series = [];

    /// <summary>The series for these tags, created on first use; null when the table is full.</summary>
    public TSeries? GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int hash = LabelSet.ComputeHash(tags);
        TSeries[] series = Volatile.Read(ref _series);
        foreach (TSeries candidate in series)
        {
            if (candidate.Labels.Hash == hash && candidate.Labels.Matches(tags))
            {
                return candidate;
            }
        }

        return AddSlow(tags, hash);
    }

    /// <summary>All series, sorted by their label text so the output is deterministic.</summary>
    public TSeries[] Snapshot()
    {
        TSeries[] copy = [.. Volatile.Read(ref _series)];
        Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Labels.Rendered, b.Labels.Rendered));
        return copy;
    }

    private TSeries? AddSlow(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash)
    {
        lock (_addLock)
        {
            TSeries[] series = _series;
            foreach (TSeries candidate in series)
            {
                if (candidate.Labels.Hash == hash && candidate.Labels.Matches(tags))
                {
                    return candidate;
                }
            }

            if (series.Length >= maxSeries)
            {
                return null;
            }

            TSeries added = create(LabelSet.Create(tags, hash));
            Volatile.Write(ref _series, [.. series, added]);
            return added;
        }
    }
}
