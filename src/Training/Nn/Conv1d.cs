using System.Numerics.Tensors;

namespace HeartStream.Training.Nn;

/// <summary>
/// 1-D convolution over NCW input, torch.nn.Conv1d semantics (cross-correlation, zero padding, stride, dilation).
/// Implemented as im2col + a blocked matrix product per batch item, batch items in parallel; weight gradients are
/// reduced per output channel over the batch in a fixed order, so results do not depend on thread scheduling.
/// </summary>
public sealed class Conv1d : ILayer
{
    private readonly Parameter[] _parameters;
    private float[] _col = [];
    private float[] _dcol = [];
    private float[] _weightGradPartial = [];
    private float[] _dyT = [];
    private readonly float[] _weightT;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _gradInput;
    private int _outWidth;

    /// <param name="padding">Zero padding on the left (and the right unless <paramref name="paddingRight"/> is given); -1 means "same" (dilation*(kernel-1)/2, odd kernels, stride 1).</param>
    /// <param name="paddingRight">Zero padding on the right when it differs from the left (as torch's F.pad before the
    /// convolution; ONNX Conv pads [begin, end]): an output frame then sees <paramref name="paddingRight"/> input frames
    /// of the future and dilation·(kernel−1) − <paramref name="paddingRight"/> of the past, for a network that can be
    /// served with a bounded look-ahead.</param>
    public Conv1d(
        int inChannels, int outChannels, int kernelSize, Random random,
        int stride = 1, int padding = 0, int dilation = 1, bool bias = true, int? paddingRight = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        if (padding == SamePadding)
        {
            if (kernelSize % 2 == 0 || stride != 1)
            {
                throw new ArgumentException(
                    $"'same' padding needs an odd kernel and stride 1 (kernel {kernelSize}, stride {stride}).", nameof(padding));
            }

            padding = dilation * (kernelSize - 1) / 2;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        int right = paddingRight ?? padding;
        ArgumentOutOfRangeException.ThrowIfNegative(right, nameof(paddingRight));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        PaddingRight = right;
        Dilation = dilation;
        Weight = new Parameter("weight", [outChannels, inChannels, kernelSize]);
        float bound = WeightInit.DefaultBound(inChannels * kernelSize);
        WeightInit.Uniform(Weight.Value, bound, random);
        if (bias)
        {
            Bias = new Parameter("bias", [outChannels]);
            WeightInit.Uniform(Bias.Value, bound, random);
            _parameters = [Weight, Bias];
        }
        else
        {
            _parameters = [Weight];
        }

        _weightT = new float[Weight.Value.Length];
    }

    /// <summary>Pass as padding for "same" output length (odd kernels, stride 1).</summary>
    public const int SamePadding = -1;

    public LayerKind Kind => LayerKind.Conv1d;

    public int InChannels { get; }

    public int OutChannels { get; }

    public int KernelSize { get; }

    public int Stride { get; }

    public int Padding { get; }

    public int Dilation { get; }

    /// <summary>Zero padding on the right (equal to <see cref="Padding"/>, the left, unless asymmetric).</summary>
    public int PaddingRight { get; }

    /// <summary>Weight [out, in, kernel].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [out], or null when constructed without bias.</summary>
    public Parameter? Bias { get; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public IReadOnlyList<Parameter> Buffers => [];

    public IReadOnlyList<ILayer> Children => [];

    /// <summary>Output length for an input of <paramref name="inWidth"/> frames (torch's formula).</summary>
    public int OutputWidth(int inWidth) => ((inWidth + Padding + PaddingRight - (Dilation * (KernelSize - 1)) - 1) / Stride) + 1;

    public Tensor Forward(Tensor input, bool training)
    {
        Tensor.RequireRank(input, 3, nameof(Conv1d));
        if (input.Dim(1) != InChannels)
        {
            throw new ArgumentException($"Conv1d expects {InChannels} input channels but got {input.Dim(1)}.", nameof(input));
        }

        int n = input.Dim(0), w = input.Dim(2);
        int outW = OutputWidth(w);
        if (outW <= 0)
        {
            throw new ArgumentException($"Conv1d input of {w} frames is too short for kernel {KernelSize}, dilation {Dilation}.", nameof(input));
        }

        _input = input;
        _outWidth = outW;
        _output = Tensor.Reuse(_output, n, OutChannels, outW);
        int rows = InChannels * KernelSize;
        int colSize = rows * outW;
        if (_col.Length != n * colSize)
        {
            _col = new float[n * colSize];
        }

        Tensor output = _output;
        float[] col = _col;
        Parallel.For(0, n, item =>
        {
            Span<float> itemCol = col.AsSpan(item * colSize, colSize);
            Im2Col(input.Data.AsSpan(item * InChannels * w, InChannels * w), w, itemCol, outW);
            Span<float> y = output.Data.AsSpan(item * OutChannels * outW, OutChannels * outW);
            if (Bias is not null)
            {
                for (int co = 0; co < OutChannels; co++)
                {
                    y.Slice(co * outW, outW).Fill(Bias.Value[co]);
                }
            }

            Gemm.Multiply(Weight.Value, itemCol, y, OutChannels, rows, outW, accumulate: Bias is not null);
        });
        return output;
    }

    public Tensor Backward(Tensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        Tensor input = _input ?? throw new InvalidOperationException("Conv1d.Backward called before Forward.");
        int n = input.Dim(0), w = input.Dim(2), outW = _outWidth;
        if (!gradOutput.HasShape([n, OutChannels, outW]))
        {
            throw new ArgumentException($"Conv1d gradient shape {gradOutput} does not match output [{n}, {OutChannels}, {outW}].", nameof(gradOutput));
        }

        int rows = InChannels * KernelSize;
        int colSize = rows * outW;
        if (_dcol.Length != n * colSize)
        {
            _dcol = new float[n * colSize];
        }

        // W^T [rows, out] so the input gradient is another plain product: dcol = W^T · dy.
        float[] wv = Weight.Value;
        for (int co = 0; co < OutChannels; co++)
        {
            for (int r = 0; r < rows; r++)
            {
                _weightT[(r * OutChannels) + co] = wv[(co * rows) + r];
            }
        }

        _gradInput = Tensor.Reuse(_gradInput, n, InChannels, w);
        int weightSize = OutChannels * rows;
        int dySize = OutChannels * outW;
        if (_weightGradPartial.Length != n * weightSize)
        {
            _weightGradPartial = new float[n * weightSize];
        }

        if (_dyT.Length != n * dySize)
        {
            _dyT = new float[n * dySize];
        }

        Tensor gradInput = _gradInput;
        float[] dcol = _dcol, col = _col, wt = _weightT, dy = gradOutput.Data, partial = _weightGradPartial, dyT = _dyT;
        Parallel.For(0, n, item =>
        {
            ReadOnlySpan<float> itemDy = dy.AsSpan(item * dySize, dySize);

            // dWᵀ_item [rows, out] = col [rows, outW] · dyᵀ [outW, out]; transposing dy is 5x cheaper than col.
            Span<float> itemDyT = dyT.AsSpan(item * dySize, dySize);
            Transpose(itemDy, OutChannels, outW, itemDyT);
            Gemm.Multiply(col.AsSpan(item * colSize, colSize), itemDyT, partial.AsSpan(item * weightSize, weightSize), rows, outW, OutChannels, accumulate: false);

            // dcol = Wᵀ · dy, then scatter back to the input frames.
            Span<float> itemDcol = dcol.AsSpan(item * colSize, colSize);
            Gemm.Multiply(wt, itemDy, itemDcol, rows, OutChannels, outW, accumulate: false);
            Col2Im(itemDcol, outW, gradInput.Data.AsSpan(item * InChannels * w, InChannels * w), w);
        });

        // Batch reduction in item order, so the sum does not depend on thread scheduling; then transpose-add.
        Span<float> total = _weightT;
        partial.AsSpan(0, weightSize).CopyTo(total);
        for (int item = 1; item < n; item++)
        {
            TensorPrimitives.Add(total, partial.AsSpan(item * weightSize, weightSize), total);
        }

        float[] dw = Weight.Grad;
        for (int r = 0; r < rows; r++)
        {
            for (int co = 0; co < OutChannels; co++)
            {
                dw[(co * rows) + r] += total[(r * OutChannels) + co];
            }
        }

        if (Bias is not null)
        {
            for (int co = 0; co < OutChannels; co++)
            {
                double sum = 0;
                for (int item = 0; item < n; item++)
                {
                    sum += TensorPrimitives.Sum<float>(dy.AsSpan(((item * OutChannels) + co) * outW, outW));
                }

                Bias.Grad[co] += (float)sum;
            }
        }

        return gradInput;
    }

    private static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = source.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                destination[(c * rows) + r] = row[c];
            }
        }
    }

    private void Im2Col(ReadOnlySpan<float> x, int w, Span<float> col, int outW)
    {
        for (int ci = 0; ci < InChannels; ci++)
        {
            ReadOnlySpan<float> xRow = x.Slice(ci * w, w);
            for (int k = 0; k < KernelSize; k++)
            {
                Span<float> dst = col.Slice(((ci * KernelSize) + k) * outW, outW);
                int offset = (k * Dilation) - Padding;
                if (Stride == 1)
                {
                    // Valid t: 0 <= t + offset < w.
                    int t0 = Math.Clamp(-offset, 0, outW);
                    int t1 = Math.Clamp(w - offset, t0, outW);
                    dst[..t0].Clear();
                    if (t1 > t0)
                    {
                        xRow.Slice(t0 + offset, t1 - t0).CopyTo(dst[t0..t1]);
                    }

                    dst[t1..].Clear();
                }
                else
                {
                    for (int t = 0; t < outW; t++)
                    {
                        int src = (t * Stride) + offset;
                        dst[t] = (uint)src < (uint)w ? xRow[src] : 0f;
                    }
                }
            }
        }
    }

    private void Col2Im(ReadOnlySpan<float> dcol, int outW, Span<float> dx, int w)
    {
        dx.Clear();
        for (int ci = 0; ci < InChannels; ci++)
        {
            Span<float> dxRow = dx.Slice(ci * w, w);
            for (int k = 0; k < KernelSize; k++)
            {
                ReadOnlySpan<float> src = dcol.Slice(((ci * KernelSize) + k) * outW, outW);
                int offset = (k * Dilation) - Padding;
                if (Stride == 1)
                {
                    int t0 = Math.Clamp(-offset, 0, outW);
                    int t1 = Math.Clamp(w - offset, t0, outW);
                    if (t1 > t0)
                    {
                        Span<float> dst = dxRow.Slice(t0 + offset, t1 - t0);
                        TensorPrimitives.Add(dst, src[t0..t1], dst);
                    }
                }
                else
                {
                    for (int t = 0; t < outW; t++)
                    {
                        int d = (t * Stride) + offset;
                        if ((uint)d < (uint)w)
                        {
                            dxRow[d] += src[t];
                        }
                    }
                }
            }
        }
    }
}
