using FsCheck;
using FsCheck.Fluent;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Tests.Nn;

/// <summary>
/// Conv1d (im2col + blocked GEMM with vector and scalar tails) against a direct double-precision convolution, for
/// random shapes, strides, paddings and dilations — covers the GEMM edge paths the torch fixtures do not.
/// </summary>
public sealed class Conv1dPropertyTests
{
    [Fact]
    public void ForwardBackward_RandomShapes_MatchDirectConvolution() =>
        Prop.ForAll<int>(seed => CheckAgainstDirect(seed)).QuickCheckThrowOnFailure();

    private static bool CheckAgainstDirect(int seed)
    {
        var rng = new Random(seed);
        int cin = rng.Next(1, 7), cout = rng.Next(1, 11), k = rng.Next(1, 6), stride = rng.Next(1, 4);
        int dil = rng.Next(1, 4), pad = rng.Next(0, 5), n = rng.Next(1, 4), w = rng.Next(1, 50);
        var conv = new Conv1d(cin, cout, k, rng, stride, pad, dil, bias: rng.Next(2) == 0);
        int outW = conv.OutputWidth(w);
        if (outW <= 0)
        {
            return true;
        }

        var x = new Tensor(n, cin, w);
        var dy = new Tensor(n, cout, outW);
        WeightInit.Uniform(x.Data, 1f, rng);
        WeightInit.Uniform(dy.Data, 1f, rng);
        Tensor y = conv.Forward(x, training: true);
        Tensor dx = conv.Backward(dy);

        float[] wv = conv.Weight.Value;
        double[] ey = new double[y.Length], edx = new double[x.Length], edw = new double[wv.Length], edb = new double[cout];
        for (int b = 0; b < n; b++)
        {
            for (int co = 0; co < cout; co++)
            {
                for (int t = 0; t < outW; t++)
                {
                    int yi = (((b * cout) + co) * outW) + t;
                    double s = conv.Bias?.Value[co] ?? 0;
                    double g = dy.Data[yi];
                    edb[co] += g;
                    for (int ci = 0; ci < cin; ci++)
                    {
                        for (int kk = 0; kk < k; kk++)
                        {
                            int src = (t * stride) + (kk * dil) - pad;
                            if (src < 0 || src >= w)
                            {
                                continue;
                            }

                            int xi = (((b * cin) + ci) * w) + src, wi = (((co * cin) + ci) * k) + kk;
                            s += x.Data[xi] * (double)wv[wi];
                            edx[xi] += g * wv[wi];
                            edw[wi] += g * x.Data[xi];
                        }
                    }

                    ey[yi] = s;
                }
            }
        }

        return Close(y.Data, ey) && Close(dx.Data, edx) && Close(conv.Weight.Grad, edw) &&
            (conv.Bias is null || Close(conv.Bias.Grad, edb));
    }

    private static bool Close(float[] actual, double[] expected)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i]))))
            {
                return false;
            }
        }

        return true;
    }
}
