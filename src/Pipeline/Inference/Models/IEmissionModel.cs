namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// Per-frame heart-state posteriors from normalised feature frames: the half of the segmenter that differs between the
/// logistic baseline and the neural models. The HSMM decoder (<see cref="Segmentation.SpringerSegmenter.DecodePosteriors"/>)
/// is shared, so swapping the emission model changes nothing else. Implementations are not required to be thread-safe.
/// </summary>
public interface IEmissionModel
{
    /// <summary>A short name for logs and reports ("baseline", "segmenter-tcn 1.0.0").</summary>
    string Name { get; }

    /// <summary>Feature channels per frame the model expects.</summary>
    int Channels { get; }

    /// <summary>
    /// Writes T×4 posteriors (frame-major, each row sums to 1, states in <see cref="Segmentation.HeartState"/> order) for
    /// T = <paramref name="features"/>.Length / <see cref="Channels"/> frame-major normalised frames.
    /// </summary>
    void Predict(ReadOnlySpan<float> features, Span<float> posteriors);
}
