namespace HeartStream.Training.Nn;

/// <summary>
/// A named weight array with its gradient. Trainable parameters are updated by the optimiser; buffers (such as
/// BatchNorm running statistics) use the same type so exporters and snapshots can treat all weights uniformly.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, bool trainable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = (int[])shape.Clone();
        int size = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(shape));
            size *= d;
        }

        Value = new float[size];
        Grad = trainable ? new float[size] : [];
        Trainable = trainable;
    }

    /// <summary>Name within its layer, following torch's state_dict names ("weight", "bias", "running_mean"...).</summary>
    public string Name { get; }

    /// <summary>Torch-compatible shape, e.g. Conv1d weight [out, in, kernel].</summary>
    public int[] Shape { get; }

    public float[] Value { get; }

    /// <summary>Accumulated gradient (same length as <see cref="Value"/>); empty for buffers.</summary>
    public float[] Grad { get; }

    /// <summary>False for buffers such as running statistics: never touched by optimisers.</summary>
    public bool Trainable { get; }

    /// <summary>Whether AdamW applies decoupled weight decay (torch applies it to every parameter by default).</summary>
    public bool ApplyWeightDecay { get; set; } = true;

    public void ZeroGrad() => Array.Clear(Grad);
}
