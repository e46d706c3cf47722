namespace HeartStream.Training.Nn;

/// <summary>
/// A dense float tensor: a flat <see cref="Data"/> array plus a <see cref="Shape"/>, row-major. Sequence data uses
/// NCW layout ([batch, channels, time]); classifier features use [batch, features]. Deliberately tiny: layers own
/// and reuse their output tensors, so a forward/backward step allocates nothing once shapes are stable.
/// </summary>
public sealed class Tensor
{
    public Tensor(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = ValidateShape(shape);
        Data = new float[Product(Shape)];
    }

    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        Shape = ValidateShape(shape);
        if (data.Length != Product(Shape))
        {
            throw new ArgumentException(
                $"Tensor data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {Product(Shape)}.",
                nameof(data));
        }

        Data = data;
    }

    /// <summary>The elements, row-major (last dimension fastest).</summary>
    public float[] Data { get; }

    /// <summary>The dimensions; do not modify.</summary>
    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    /// <summary>Size of dimension <paramref name="dim"/>.</summary>
    public int Dim(int dim) => Shape[dim];

    /// <summary>Whether this tensor has exactly the given shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => Shape.AsSpan().SequenceEqual(shape);

    /// <summary>One time row of an NCW tensor: the W values of batch item n, channel c.</summary>
    public Span<float> Row(int n, int c)
    {
        int w = Shape[2];
        return Data.AsSpan(((n * Shape[1]) + c) * w, w);
    }

    /// <summary>Returns <paramref name="cached"/> when it already has the shape, else a new zeroed tensor.</summary>
    public static Tensor Reuse(Tensor? cached, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return cached is not null && cached.HasShape(shape) ? cached : new Tensor(shape);
    }

    /// <summary>A deep copy (used by tests and snapshots).</summary>
    public Tensor Clone() => new((float[])Data.Clone(), (int[])Shape.Clone());

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";

    internal static void RequireRank(Tensor input, int rank, string layer)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != rank)
        {
            throw new ArgumentException(
                $"{layer} expects a rank-{rank} input but got shape [{string.Join(", ", input.Shape)}].", nameof(input));
        }
    }

    private static int[] ValidateShape(int[] shape)
    {
        if (shape.Length == 0)
        {
            throw new ArgumentException("A tensor needs at least one dimension.", nameof(shape));
        }

        foreach (int d in shape)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Tensor dimensions must be positive; got [{string.Join(", ", shape)}].", nameof(shape));
            }
        }

        return (int[])shape.Clone();
    }

    private static int Product(int[] shape)
    {
        long p = 1;
        foreach (int d in shape)
        {
            p *= d;
        }

        if (p > int.MaxValue)
        {
            throw new ArgumentException($"Tensor shape [{string.Join(", ", shape)}] is too large.", nameof(shape));
        }

        return (int)p;
    }
}
