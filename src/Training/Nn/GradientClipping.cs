namespace HeartStream.Training.Nn;

/// <summary>torch.nn.utils.clip_grad_norm_ semantics: scale all gradients by max/(norm+1e-6) when the global L2 norm exceeds max.</summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the global gradient norm before clipping.</summary>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        Parameter[] trainable = [.. parameters.Where(p => p.Trainable)];
        double sumSq = 0;
        foreach (Parameter p in trainable)
        {
            foreach (float g in p.Grad)
            {
                sumSq += (double)g * g;
            }
        }

        double norm = Math.Sqrt(sumSq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
        {
            foreach (Parameter p in trainable)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad, (float)coef, p.Grad);
            }
        }

        return norm;
    }
}
