namespace HeartStream.Training.Nn;

/// <summary>
/// Torch-style qualified names for every parameter and buffer of a layer tree ("0.weight", "1.inner.0.bias",
/// "2.running_mean"), so checkpoints and the ONNX exporter can name initialisers the way torch's state_dict does.
/// Sequential children are numbered; the single child of ResidualAdd/ConcatSkip is "inner".
/// </summary>
public static class ModelState
{
    /// <summary>Trainable parameters with qualified names, in <see cref="ILayer.Parameters"/> order.</summary>
    public static IReadOnlyList<KeyValuePair<string, Parameter>> NamedParameters(ILayer root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var result = new List<KeyValuePair<string, Parameter>>();
        Walk(root, string.Empty, buffers: false, result);
        return result;
    }

    /// <summary>Buffers (running statistics) with qualified names, in <see cref="ILayer.Buffers"/> order.</summary>
    public static IReadOnlyList<KeyValuePair<string, Parameter>> NamedBuffers(ILayer root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var result = new List<KeyValuePair<string, Parameter>>();
        Walk(root, string.Empty, buffers: true, result);
        return result;
    }

    private static void Walk(ILayer layer, string prefix, bool buffers, List<KeyValuePair<string, Parameter>> result)
    {
        if (layer.Children.Count == 0)
        {
            foreach (Parameter p in buffers ? layer.Buffers : layer.Parameters)
            {
                result.Add(new(prefix + p.Name, p));
            }

            return;
        }

        for (int i = 0; i < layer.Children.Count; i++)
        {
            string childName = layer.Kind == LayerKind.Sequential ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : "inner";
            Walk(layer.Children[i], prefix + childName + ".", buffers, result);
        }
    }
}
