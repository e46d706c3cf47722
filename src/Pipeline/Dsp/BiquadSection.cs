namespace HeartStream.Pipeline.Dsp;

/// <summary>
/// Coefficients of one second-order IIR section, normalised so a0 = 1:
/// H(z) = (B0 + B1 z^-1 + B2 z^-2) / (1 + A1 z^-1 + A2 z^-2). Same layout as a row of scipy's
/// <c>sos</c> array without its a0 column, so designs can be compared with scipy directly.
/// </summary>
public readonly record struct BiquadSection(double B0, double B1, double B2, double A1, double A2);
