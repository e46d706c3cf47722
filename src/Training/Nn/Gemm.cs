using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HeartStream.Training.Nn;

/// <summary>
/// Single-threaded row-major matrix product C[m,n] (+)= A[m,k]·B[k,n]. The convolution's im2col product is the hot
/// loop of training; TensorPrimitives has no matrix kernel, and axpy/dot formulations reload C or reduce horizontally
/// on every call, so a 6x16 / 4x16 register-blocked AVX/FMA micro-kernel over packed column strips of B is used (scalar tails for odd sizes). Summation
/// order depends only on the sizes, so results are deterministic.
/// </summary>
internal static class Gemm
{
    [ThreadStatic]
    private static float[]? t_packed;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
        {
            throw new ArgumentException($"Gemm buffers too small for [{m}x{k}]·[{k}x{n}].");
        }

        int vectorCols = Vector256.IsHardwareAccelerated ? n / 8 * 8 : 0;

        // Pack B into contiguous k×16 (then k×8) column strips: rows of B are n floats apart, and walking a strip
        // down rows that far apart thrashes a few L1 sets; packed strips stay in L1 while every row block uses them.
        float[] packed = t_packed is { } buffer && buffer.Length >= k * vectorCols ? buffer : (t_packed = new float[Math.Max(k * vectorCols, 1024)]);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pp = packed)
        {
            int j = 0;
            for (; j + 16 <= vectorCols; j += 16)
            {
                float* strip = pp + ((long)j * k);
                for (int p = 0; p < k; p++)
                {
                    Vector256.Load(pb + ((long)p * n) + j).Store(strip + (p * 16));
                    Vector256.Load(pb + ((long)p * n) + j + 8).Store(strip + (p * 16) + 8);
                }

                int i = 0;
                for (; i + 6 <= m; i += 6)
                {
                    Kernel6x16(pa + (i * k), strip, pc + (i * n) + j, k, n, accumulate);
                }

                for (; i + 4 <= m; i += 4)
                {
                    Kernel4x16(pa + (i * k), strip, pc + (i * n) + j, k, n, accumulate);
                }

                for (; i < m; i++)
                {
                    Kernel1xW(pa + (i * k), strip, 16, pc + (i * n) + j, k, accumulate);
                }
            }

            if (j < vectorCols)
            {
                float* strip = pp + ((long)j * k);
                for (int p = 0; p < k; p++)
                {
                    Vector256.Load(pb + ((long)p * n) + j).Store(strip + (p * 8));
                }

                int i = 0;
                for (; i + 4 <= m; i += 4)
                {
                    Kernel4x8(pa + (i * k), strip, pc + (i * n) + j, k, n, accumulate);
                }

                for (; i < m; i++)
                {
                    Kernel1xW(pa + (i * k), strip, 8, pc + (i * n) + j, k, accumulate);
                }

                j += 8;
            }

            for (int i = 0; i < m; i++)
            {
                ScalarTail(pa + (i * k), pb, pc + (i * n), k, n, j, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : (x * y) + acc;

    /// <summary>6 rows × 16 columns: 12 accumulators hide the FMA latency with fewer B loads per FMA than 4×16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x16(float* a, float* b, float* c, int k, int n, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        float* r2 = c + (2 * n), r3 = c + (3 * n), r4 = c + (4 * n), r5 = c + (5 * n);
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + n); c11 = Vector256.Load(c + n + 8);
            c20 = Vector256.Load(r2); c21 = Vector256.Load(r2 + 8);
            c30 = Vector256.Load(r3); c31 = Vector256.Load(r3 + 8);
            c40 = Vector256.Load(r4); c41 = Vector256.Load(r4 + 8);
            c50 = Vector256.Load(r5); c51 = Vector256.Load(r5 + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }

        float* a1 = a + k, a2 = a + (2 * k), a3 = a + (3 * k), a4 = a + (4 * k), a5 = a + (5 * k);
        for (int p = 0; p < k; p++)
        {
            float* bp = b + (p * 16);
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            Vector256<float> x = Vector256.Create(a[p]);
            c00 = Fmadd(x, b0, c00); c01 = Fmadd(x, b1, c01);
            x = Vector256.Create(a1[p]);
            c10 = Fmadd(x, b0, c10); c11 = Fmadd(x, b1, c11);
            x = Vector256.Create(a2[p]);
            c20 = Fmadd(x, b0, c20); c21 = Fmadd(x, b1, c21);
            x = Vector256.Create(a3[p]);
            c30 = Fmadd(x, b0, c30); c31 = Fmadd(x, b1, c31);
            x = Vector256.Create(a4[p]);
            c40 = Fmadd(x, b0, c40); c41 = Fmadd(x, b1, c41);
            x = Vector256.Create(a5[p]);
            c50 = Fmadd(x, b0, c50); c51 = Fmadd(x, b1, c51);
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + n); c11.Store(c + n + 8);
        c20.Store(r2); c21.Store(r2 + 8);
        c30.Store(r3); c31.Store(r3 + 8);
        c40.Store(r4); c41.Store(r4 + 8);
        c50.Store(r5); c51.Store(r5 + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel4x16(float* a, float* b, float* c, int k, int n, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + n); c11 = Vector256.Load(c + n + 8);
            c20 = Vector256.Load(c + (2 * n)); c21 = Vector256.Load(c + (2 * n) + 8);
            c30 = Vector256.Load(c + (3 * n)); c31 = Vector256.Load(c + (3 * n) + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<float>.Zero;
        }

        float* a1 = a + k, a2 = a + (2 * k), a3 = a + (3 * k);
        for (int p = 0; p < k; p++)
        {
            float* bp = b + (p * 16);
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            Vector256<float> x = Vector256.Create(a[p]);
            c00 = Fmadd(x, b0, c00); c01 = Fmadd(x, b1, c01);
            x = Vector256.Create(a1[p]);
            c10 = Fmadd(x, b0, c10); c11 = Fmadd(x, b1, c11);
            x = Vector256.Create(a2[p]);
            c20 = Fmadd(x, b0, c20); c21 = Fmadd(x, b1, c21);
            x = Vector256.Create(a3[p]);
            c30 = Fmadd(x, b0, c30); c31 = Fmadd(x, b1, c31);
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + n); c11.Store(c + n + 8);
        c20.Store(c + (2 * n)); c21.Store(c + (2 * n) + 8);
        c30.Store(c + (3 * n)); c31.Store(c + (3 * n) + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel4x8(float* a, float* b, float* c, int k, int n, bool accumulate)
    {
        Vector256<float> c0, c1, c2, c3;
        if (accumulate)
        {
            c0 = Vector256.Load(c); c1 = Vector256.Load(c + n);
            c2 = Vector256.Load(c + (2 * n)); c3 = Vector256.Load(c + (3 * n));
        }
        else
        {
            c0 = c1 = c2 = c3 = Vector256<float>.Zero;
        }

        float* a1 = a + k, a2 = a + (2 * k), a3 = a + (3 * k);
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + (p * 8));
            c0 = Fmadd(Vector256.Create(a[p]), b0, c0);
            c1 = Fmadd(Vector256.Create(a1[p]), b0, c1);
            c2 = Fmadd(Vector256.Create(a2[p]), b0, c2);
            c3 = Fmadd(Vector256.Create(a3[p]), b0, c3);
        }

        c0.Store(c); c1.Store(c + n); c2.Store(c + (2 * n)); c3.Store(c + (3 * n));
    }

    /// <summary>One row of A against a packed strip of width 16 or 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel1xW(float* a, float* strip, int width, float* c, int k, bool accumulate)
    {
        for (int h = 0; h < width; h += 8)
        {
            Vector256<float> acc = accumulate ? Vector256.Load(c + h) : Vector256<float>.Zero;
            for (int p = 0; p < k; p++)
            {
                acc = Fmadd(Vector256.Create(a[p]), Vector256.Load(strip + (p * width) + h), acc);
            }

            acc.Store(c + h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScalarTail(float* aRow, float* b, float* cRow, int k, int n, int jStart, bool accumulate)
    {
        for (int j = jStart; j < n; j++)
        {
            float s = accumulate ? cRow[j] : 0f;
            for (int p = 0; p < k; p++)
            {
                s = MathF.FusedMultiplyAdd(aRow[p], b[((long)p * n) + j], s);
            }

            cRow[j] = s;
        }
    }
}
