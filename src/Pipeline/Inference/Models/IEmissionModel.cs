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

/// <summary>The argument checks every <see cref="IEmissionModel.Predict"/> makes.</summary>
internal static class EmissionArguments
{
    /// <summary>
    /// Frames in <paramref name="features"/> (<paramref name="channels"/> values each); throws <see cref="ArgumentException"/>
    /// unless it is a positive whole number and <paramref name="posteriors"/> holds exactly 4 values per frame.
    /// </summary>
    public static int Frames(ReadOnlySpan<float> features, Span<float> posteriors, int channels)
    {
        if (features.Length == 0 || features.Length % channels != 0)
        {
            throw new ArgumentException($"features must be a positive number of {channels}-channel frames, got {features.Length} values", nameof(features));
        }

        int frames = features.Length / channels;
        if (posteriors.Length != frames * Segmentation.LogisticEmissionModel.States)
        {
            throw new ArgumentException($"posteriors must hold {frames} x {Segmentation.LogisticEmissionModel.States} values, got {posteriors.Length}", nameof(posteriors));
        }

        return frames;
    }
}
