using System.Numerics.Tensors;

namespace HeartStream.Training.Nn;

/// <summary>
/// torch.nn.BatchNorm1d over NCW input. Training: normalises with the batch mean and biased variance over N and W,
/// and updates running_mean / running_var (unbiased) with <see cref="Momentum"/>. Eval: uses the running statistics
/// (this is what the ONNX BatchNormalization node computes). Statistics are accumulated in double for accuracy.
/// </summary>
public sealed class BatchNorm1d : ILayer
{
    private readonly Parameter[] _parameters;
    private readonly Parameter[] _buffers;
    private readonly double[] _mean;
    private readonly double[] _invStd;
    private Tensor? _xhat;
    private Tensor? _output;
    private Tensor? _gradInput;
    private bool _lastTraining;

    public BatchNorm1d(int channels, double momentum = 0.1, double epsilon = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (momentum is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "BatchNorm momentum must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        Channels = channels;
        Momentum = momentum;
        Epsilon = epsilon;
        Gamma = new Parameter("weight", [channels]);
        Beta = new Parameter("bias", [channels]);
        Array.Fill(Gamma.Value, 1f);
        RunningMean = new Parameter("running_mean", [channels], trainable: false);
        RunningVar = new Parameter("running_var", [channels], trainable: false);
        Array.Fill(RunningVar.Value, 1f);
        _parameters = [Gamma, Beta];
        _buffers = [RunningMean, RunningVar];
        _mean = new double[channels];
        _invStd = new double[channels];
    }

    public LayerKind Kind => LayerKind.BatchNorm1d;

    public int Channels { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    /// <summary>Scale ("weight" in torch).</summary>
    public Parameter Gamma { get; }

    /// <summary>Shift ("bias" in torch).</summary>
    public Parameter Beta { get; }

    public Parameter RunningMean { get; }

    public Parameter RunningVar { get; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public IReadOnlyList<Parameter> Buffers => _buffers;

    public IReadOnlyList<ILayer> Children => [];

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(BatchNorm1d));
        if (input.Dim(1) != Channels)
        {
            throw new ArgumentException($"BatchNorm1d expects {Channels} channels but got {input.Dim(1)}.", nameof(input));
        }

        int n = input.Dim(0), w = input.Dim(2);
        long count = (long)n * w;
        if (training && count < 2)
        {
            throw new ArgumentException("BatchNorm1d in training mode needs more than one value per channel.", nameof(input));
        }

        _lastTraining = training;
        _xhat = Tensor.Reuse(_xhat, input.Shape);
        _output = Tensor.Reuse(_output, input.Shape);
        Tensor xhat = _xhat, output = _output;
        Parallel.For(0, Channels, c =>
        {
            double mean, invStd;
            if (training)
            {
                double sum = 0;
                for (int item = 0; item < n; item++)
                {
                    sum += TensorPrimitives.Sum<float>(input.Row(item, c));
                }

                mean = sum / count;
                double sq = 0;
                for (int item = 0; item < n; item++)
                {
                    Span<float> xh = xhat.Row(item, c);
                    TensorPrimitives.Subtract(input.Row(item, c), (float)mean, xh);
                    sq += TensorPrimitives.SumOfSquares<float>(xh);
                }

                double biasedVar = sq / count;
                invStd = 1.0 / Math.Sqrt(biasedVar + Epsilon);
                RunningMean.Value[c] = (float)(((1 - Momentum) * RunningMean.Value[c]) + (Momentum * mean));
                RunningVar.Value[c] = (float)(((1 - Momentum) * RunningVar.Value[c]) + (Momentum * sq / (count - 1)));
            }
            else
            {
                mean = RunningMean.Value[c];
                invStd = 1.0 / Math.Sqrt(RunningVar.Value[c] + Epsilon);
                for (int item = 0; item < n; item++)
                {
                    TensorPrimitives.Subtract(input.Row(item, c), (float)mean, xhat.Row(item, c));
                }
            }

            _mean[c] = mean;
            _invStd[c] = invStd;
            float g = Gamma.Value[c], b = Beta.Value[c];
            for (int item = 0; item < n; item++)
            {
                Span<float> xh = xhat.Row(item, c), y = output.Row(item, c);
                TensorPrimitives.Multiply(xh, (float)invStd, xh);
                TensorPrimitives.Multiply(xh, g, y);
                TensorPrimitives.Add(y, b, y);
            }
        });
        return output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor xhat = _xhat ?? throw new InvalidOperationException("BatchNorm1d.Backward called before Forward.");
        if (!gradOutput.HasShape(xhat.Shape))
        {
            throw new ArgumentException($"BatchNorm1d gradient shape {gradOutput} does not match output {xhat}.", nameof(gradOutput));
        }

        int n = xhat.Dim(0), w = xhat.Dim(2);
        long count = (long)n * w;
        _gradInput = Tensor.Reuse(_gradInput, xhat.Shape);
        Tensor gradInput = _gradInput;
        bool training = _lastTraining;
        Parallel.For(0, Channels, c =>
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int item = 0; item < n; item++)
            {
                ReadOnlySpan<float> dy = gradOutput.Row(item, c);
                sumDy += TensorPrimitives.Sum(dy);
                sumDyXhat += TensorPrimitives.Dot(dy, xhat.Row(item, c));
            }

            Gamma.Grad[c] += (float)sumDyXhat;
            Beta.Grad[c] += (float)sumDy;
            double scale = Gamma.Value[c] * _invStd[c];
            for (int item = 0; item < n; item++)
            {
                ReadOnlySpan<float> dy = gradOutput.Row(item, c), xh = xhat.Row(item, c);
                Span<float> dx = gradInput.Row(item, c);
                if (training)
                {
                    // dx = gamma*invStd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat))
                    float meanDy = (float)(sumDy / count), meanDyXhat = (float)(sumDyXhat / count);
                    TensorPrimitives.MultiplyAdd(xh, -meanDyXhat, dy, dx);
                    TensorPrimitives.Subtract(dx, meanDy, dx);
                    TensorPrimitives.Multiply(dx, (float)scale, dx);
                }
                else
                {
                    TensorPrimitives.Multiply(dy, (float)scale, dx);
                }
            }
        });
        return gradInput;
    }
}
