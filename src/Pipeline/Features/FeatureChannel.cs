namespace HeartStream.Pipeline.Features;

/// <summary>Index of each feature channel inside a frame (Springer et al. 2016 feature set).</summary>
public enum FeatureChannel
{
    /// <summary>exp(low-pass(log(Hilbert envelope))): the slow energy contour.</summary>
    Homomorphic = 0,

    /// <summary>Magnitude of the analytic signal, low-passed.</summary>
    Hilbert = 1,

    /// <summary>Power in the 40–60 Hz band (Springer's PSD feature), low-passed.</summary>
    BandPower = 2,

    /// <summary>Envelope of the 125–250 Hz band (stands in for the level-3 rbio3.9 wavelet detail).</summary>
    Wavelet = 3,
}
