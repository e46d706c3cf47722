namespace HeartStream.Training.Nn;

/// <summary>
/// A differentiable layer. <see cref="Forward"/> caches what <see cref="Backward"/> needs; the returned tensors are
/// owned by the layer and overwritten by its next call, so callers must not keep them across steps.
/// <see cref="Backward"/> accumulates into parameter gradients (call ZeroGrad between steps) and returns the
/// gradient with respect to the last forward input.
/// </summary>
public interface ILayer
{
    LayerKind Kind { get; }

    /// <summary>Trainable parameters of this layer and its children, in a stable order.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Non-trainable state (running statistics) of this layer and its children, in a stable order.</summary>
    IReadOnlyList<Parameter> Buffers { get; }

    /// <summary>Child layers for containers (empty for leaf layers), so exporters can walk the graph.</summary>
    IReadOnlyList<ILayer> Children { get; }

    Tensor Forward(Tensor input, bool training);

    Tensor Backward(Tensor gradOutput);
}
