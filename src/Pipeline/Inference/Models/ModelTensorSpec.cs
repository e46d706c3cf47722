namespace HeartStream.Pipeline.Inference.Models;

/// <summary>A model input or output as the manifest records it: name and shape, dynamic dimensions by name ("batch", "time").</summary>
public sealed record ModelTensorSpec(string Name, IReadOnlyList<string> Shape);
