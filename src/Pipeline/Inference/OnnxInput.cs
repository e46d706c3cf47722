namespace HeartStream.Pipeline.Inference;

/// <summary>
/// One float input for <see cref="OnnxSession.Run(ReadOnlySpan{OnnxInput})"/>, the allocating, convenient Run.
/// <see cref="Data"/> must hold exactly the product of <see cref="Shape"/>.
/// </summary>
public readonly record struct OnnxInput(string Name, ReadOnlyMemory<float> Data, ReadOnlyMemory<long> Shape);
