namespace HeartStream.Pipeline.Inference;

/// <summary>A float tensor ORT produced, copied into managed memory (the allocating, convenient Run overload).</summary>
public sealed class OnnxTensor
{
    internal OnnxTensor(string name, float[] data, long[] shape)
    {
        Name = name;
        Data = data;
        Shape = shape;
    }

    /// <summary>Output name.</summary>
    public string Name { get; }

    /// <summary>Values in row-major order.</summary>
    public ReadOnlyMemory<float> Data { get; }

    /// <summary>Dimensions.</summary>
    public IReadOnlyList<long> Shape { get; }
}
