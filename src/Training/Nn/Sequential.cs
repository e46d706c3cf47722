namespace HeartStream.Training.Nn;

/// <summary>
/// A chain of layers; parameters are listed in layer order (the same order as a torch nn.Sequential's
/// state_dict), so exporters and optimisers see a stable sequence.
/// </summary>
public sealed class Sequential : ILayer
{
    private readonly ILayer[] _layers;
    private readonly Parameter[] _parameters;
    private readonly Parameter[] _buffers;

    public Sequential(params ILayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0 || Array.Exists(layers, l => l is null))
        {
            throw new ArgumentException("Sequential needs at least one layer and no null layers.", nameof(layers));
        }

        _layers = (ILayer[])layers.Clone();
        _parameters = [.. _layers.SelectMany(l => l.Parameters)];
        _buffers = [.. _layers.SelectMany(l => l.Buffers)];
    }

    public LayerKind Kind => LayerKind.Sequential;

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public IReadOnlyList<Parameter> Buffers => _buffers;

    public IReadOnlyList<ILayer> Children => _layers;

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor x = input;
        foreach (ILayer layer in _layers)
        {
            x = layer.Forward(x, training);
        }

        return x;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        Tensor g = gradOutput;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            g = _layers[i].Backward(g);
        }

        return g;
    }

    /// <summary>Zeroes the gradients of every trainable parameter.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter p in _parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Number of trainable scalars.</summary>
    public int ParameterCount => _parameters.Sum(p => p.Value.Length);
}
