namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Duration distribution of one HSMM state in frames: a Gaussian (<paramref name="Mean"/>, <paramref name="Sd"/>)
/// truncated to [<paramref name="Min"/>, <paramref name="Max"/>]. Bounding the support is what keeps decoding
/// O(T x sum of support widths) instead of O(T x Dmax x 4).
/// </summary>
public readonly record struct StateDuration(double Mean, double Sd, int Min, int Max);
