namespace HeartStream.Pipeline.Inference.Models;

/// <summary>A model found and checked by <see cref="ModelRegistry"/>: its manifest and where its files are.</summary>
public sealed record RegisteredModel(ModelManifest Manifest, string Directory)
{
    public string ModelPath => Path.Combine(Directory, Manifest.ModelFile);

    /// <summary>The HSMM decoder parameters file of a segmenter, or null.</summary>
    public string? DecoderPath => Manifest.DecoderFile is null ? null : Path.Combine(Directory, Manifest.DecoderFile);
}
