namespace HeartStream.Pipeline.Inference;

/// <summary>
/// One float output for <see cref="OnnxSession.Run(ReadOnlySpan{OnnxInput}, ReadOnlySpan{OnnxOutput})"/>. With a
/// <see cref="Shape"/>, ORT writes straight into <see cref="Buffer"/> (no copy, no allocation); with an empty shape ORT
/// allocates the result and it is copied into <see cref="Buffer"/>, which must be large enough.
/// </summary>
public readonly record struct OnnxOutput(string Name, Memory<float> Buffer, ReadOnlyMemory<long> Shape);
