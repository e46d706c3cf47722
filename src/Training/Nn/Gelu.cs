namespace HeartStream.Training.Nn;

/// <summary>
/// Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), torch's default (approximate='none'); ONNX exports it as the erf
/// form. .NET has no erf, so a double-precision rational approximation is used (<see cref="Erf"/>).
/// </summary>
public sealed class Gelu : ILayer
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _gradInput;

    public LayerKind Kind => LayerKind.Gelu;

    public IReadOnlyList<Parameter> Parameters => [];

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _output = Tensor.Reuse(_output, input.Shape);
        float[] x = input.Data, y = _output.Data;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1.0 + Erf(v * InvSqrt2)));
        }

        return _output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor input = _input ?? throw new InvalidOperationException("Gelu.Backward called before Forward.");
        if (!gradOutput.HasShape(input.Shape))
        {
            throw new ArgumentException($"Gelu gradient shape {gradOutput} does not match output {input}.", nameof(gradOutput));
        }

        _gradInput = Tensor.Reuse(_gradInput, input.Shape);
        float[] x = input.Data, dy = gradOutput.Data, dx = _gradInput.Data;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double cdf = 0.5 * (1.0 + Erf(v * InvSqrt2));
            double pdf = InvSqrt2Pi * Math.Exp(-0.5 * v * v);
            dx[i] = (float)(dy[i] * (cdf + (v * pdf)));
        }

        return _gradInput;
    }

    /// <summary>
    /// erf(x) via the Chebyshev-fitted complementary error function of Press et al. (Numerical Recipes, erfcc),
    /// fractional error below 1.2e-7 everywhere — well inside float32 resolution of the GELU output.
    /// </summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + (0.5 * z));
        double poly = -z * z - 1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 +
            (t * (-0.18628806 + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 +
            (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        double erfc = t * Math.Exp(poly);
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
