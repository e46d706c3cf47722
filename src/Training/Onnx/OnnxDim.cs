namespace HeartStream.Training.Onnx;

/// <summary>
/// One dimension of a graph input or output: a fixed size, or a named dynamic one ("batch", "time") that ONNX Runtime
/// reports as -1. Implicit from <see cref="long"/> and <see cref="string"/> so shapes read naturally: ["batch", 4, "time"].
/// </summary>
public readonly record struct OnnxDim
{
    private OnnxDim(long size, string? name)
    {
        Size = size;
        Name = name;
    }

    /// <summary>The fixed size, or -1 for a named dynamic dimension.</summary>
    public long Size { get; }

    /// <summary>The symbolic name of a dynamic dimension; null for a fixed one.</summary>
    public string? Name { get; }

    public static OnnxDim Fixed(long size) =>
        size >= 0 ? new OnnxDim(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "A fixed dimension must be 0 or more.");

    public static OnnxDim Dynamic(string name) =>
        !string.IsNullOrWhiteSpace(name) ? new OnnxDim(-1, name) : throw new ArgumentException("A dynamic dimension needs a name.", nameof(name));

    public static implicit operator OnnxDim(long size) => Fixed(size);

    public static implicit operator OnnxDim(string name) => Dynamic(name);

    public static OnnxDim FromInt64(long size) => Fixed(size);

    public static OnnxDim FromString(string name) => Dynamic(name);
}
