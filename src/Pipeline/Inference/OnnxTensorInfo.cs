namespace HeartStream.Pipeline.Inference;

/// <summary>
/// Name, element type and shape of one model input or output. Dynamic dimensions are -1, with their symbolic name
/// (e.g. "batch", "time") in <see cref="DimensionNames"/>; fixed ones have an empty name.
/// </summary>
public sealed class OnnxTensorInfo
{
    internal OnnxTensorInfo(string name, bool isFloatTensor, IReadOnlyList<long> dimensions, IReadOnlyList<string> dimensionNames)
    {
        Name = name;
        IsFloatTensor = isFloatTensor;
        Dimensions = dimensions;
        DimensionNames = dimensionNames;
    }

    /// <summary>The tensor's name in the graph.</summary>
    public string Name { get; }

    /// <summary>True for a float32 tensor, the only kind <see cref="OnnxSession"/> runs.</summary>
    public bool IsFloatTensor { get; }

    /// <summary>Dimensions; -1 where dynamic.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>Symbolic names of the dimensions ("" where none).</summary>
    public IReadOnlyList<string> DimensionNames { get; }

    public override string ToString() =>
        $"{Name}[{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : (DimensionNames[i].Length > 0 ? DimensionNames[i] : "?")))}]";
}
