namespace HeartStream.Training.Nn;

/// <summary>
/// Stops training after <see cref="Patience"/> evaluations without improvement of a validation metric, keeping a
/// copy of the best weights (parameters and running statistics) so they can be restored at the end.
/// </summary>
public sealed class EarlyStopping
{
    private readonly Parameter[] _state;
    private readonly float[][] _best;
    private int _sinceBest;

    public EarlyStopping(ILayer model, int patience, bool higherIsBetter = true, double minDelta = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        Patience = patience;
        HigherIsBetter = higherIsBetter;
        MinDelta = minDelta;
        _state = [.. model.Parameters, .. model.Buffers];
        _best = [.. _state.Select(p => (float[])p.Value.Clone())];
    }

    public int Patience { get; }

    public bool HigherIsBetter { get; }

    public double MinDelta { get; }

    /// <summary>Best metric so far (NaN before the first report).</summary>
    public double BestMetric { get; private set; } = double.NaN;

    /// <summary>0-based index of the report that gave <see cref="BestMetric"/>; -1 before the first.</summary>
    public int BestIndex { get; private set; } = -1;

    public int Reports { get; private set; }

    public bool ShouldStop => _sinceBest >= Patience;

    /// <summary>Records a validation metric; snapshots the weights when it improves. Returns true when training should stop.</summary>
    public bool Report(double metric)
    {
        if (double.IsNaN(metric))
        {
            throw new ArgumentException("Validation metric is NaN.", nameof(metric));
        }

        bool improved = BestIndex < 0 ||
            (HigherIsBetter ? metric > BestMetric + MinDelta : metric < BestMetric - MinDelta);
        if (improved)
        {
            BestMetric = metric;
            BestIndex = Reports;
            _sinceBest = 0;
            for (int i = 0; i < _state.Length; i++)
            {
                _state[i].Value.CopyTo(_best[i], 0);
            }
        }
        else
        {
            _sinceBest++;
        }

        Reports++;
        return ShouldStop;
    }

    /// <summary>Copies the best weights back into the model.</summary>
    public void RestoreBest()
    {
        if (BestIndex < 0)
        {
            throw new InvalidOperationException("EarlyStopping.RestoreBest called before any metric was reported.");
        }

        for (int i = 0; i < _state.Length; i++)
        {
            _best[i].CopyTo(_state[i].Value, 0);
        }
    }
}
