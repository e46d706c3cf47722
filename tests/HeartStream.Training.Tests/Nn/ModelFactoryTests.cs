using HeartStream.Training.Nn;

namespace HeartStream.Training.Tests.Nn;

/// <summary>
/// The TCN's receptive field as built: centred by default, and with a bounded look-ahead an output frame depends on
/// exactly <see cref="ModelFactory.Context"/>'s past and future frames, no more (so live serving with that look-ahead
/// and a window holding the past gives the offline posteriors).
/// </summary>
public sealed class ModelFactoryTests
{
    [Fact]
    public void FuturePaddings_Budget_CentredLayersFirstThenRemainderThenCausal()
    {
        Assert.Equal([2, 4, 8, 6, 0, 0, 0], ModelFactory.FuturePaddings(5, [1, 2, 4, 8, 4, 2, 1], 20));
        Assert.Equal([2, 4, 8, 16], ModelFactory.FuturePaddings(5, [1, 2, 4, 8], -1));
        Assert.Equal([0, 0], ModelFactory.FuturePaddings(3, [1, 2], 0));
        Assert.Equal((68, 20), ModelFactory.Context(5, [1, 2, 4, 8, 4, 2, 1], 20));
        Assert.Equal((30, 30), ModelFactory.Context(5, [1, 2, 4, 8], -1));
    }

    [Fact]
    public void Dilations_Invalid_Throw()
    {
        Assert.Throws<ArgumentException>(() => ModelFactory.Dilations(3, []));
        Assert.Throws<ArgumentException>(() => ModelFactory.Dilations(3, [1, 0]));
        Assert.Equal([1, 2, 4], ModelFactory.Dilations(3, null));
        Assert.Throws<ArgumentException>(() => ModelFactory.FuturePaddings(4, [1], 2));
    }

    [Theory]
    [InlineData(5, 7)]
    [InlineData(3, 0)]
    public void DilatedTcn_BoundedLookahead_OutputDependsOnExactlyItsContext(int kernel, int future)
    {
        int[] dilations = [1, 2, 4, 2];
        (int past, int fut) = ModelFactory.Context(kernel, dilations, future);
        Assert.Equal(future, fut);
        Sequential model = ModelFactory.DilatedTcn(3, 6, 0, kernel, 4, seed: 7, dilations: dilations, futureFrames: future);
        const int time = 96, t = 48;
        // A frame inside the context may leave the output unmoved on one input (a ReLU that stays off); over a few
        // inputs every one moves it. A frame outside never does.
        var movedOnAny = new bool[time];
        for (int seed = 0; seed < 4; seed++)
        {
            var rng = new Random(seed);
            float[] x = new float[3 * time];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            float[] baseOut = Forward(model, x, time);
            for (int f = 0; f < time; f++)
            {
                float[] changed = (float[])x.Clone();
                for (int c = 0; c < 3; c++)
                {
                    changed[(c * time) + f] += c == 1 ? -5f : 5f;
                }

                float[] output = Forward(model, changed, time);
                bool moved = Enumerable.Range(0, 4).Any(s => Math.Abs(output[(s * time) + t] - baseOut[(s * time) + t]) > 1e-6f);
                bool inside = f >= t - past && f <= t + future;
                Assert.False(moved && !inside, $"frame {t}'s output moved when input frame {f}, outside its context ({past} past, {future} future), changed");
                movedOnAny[f] |= moved;
            }
        }

        for (int f = t - past; f <= t + future; f++)
        {
            Assert.True(movedOnAny[f], $"frame {t}'s output never moved when input frame {f}, inside its context ({past} past, {future} future), changed");
        }
    }

    private static float[] Forward(Sequential model, float[] x, int time) =>
        model.Forward(new Tensor((float[])x.Clone(), 1, 3, time), training: false).Data.ToArray();
}
