using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>
/// The live windowing on its own, with a synthetic stand-in for the network (each output value a fixed function of
/// the window position and the input there, so a window's identity and placement show in its posteriors): every frame
/// gets posteriors exactly once and in order, how frames are appended changes nothing, each frame comes from the
/// window the options name, and appends beyond the declared maximum are refused.
/// </summary>
public sealed class LiveWindowPosteriorsTests
{
    private const int C = 2;
    private const int S = 4;
    private const int W = 40;

    private static readonly NeuralStreamingOptions s_one = NeuralStreamingOptions.Default with { WindowFrames = W, HopFrames = 10, LookaheadFrames = 6, AveragingLookaheadFrames = -1 };

    [Theory]
    [InlineData(-1, 7)]
    [InlineData(0, 7)]
    [InlineData(3, 1)]
    [InlineData(-1, 200)]
    public void Run_AnyAppendSizes_EveryFrameOnceAndTheSamePosteriorsAsAppendingAHopAtATime(int averaging, int appendSize)
    {
        NeuralStreamingOptions options = s_one with { AveragingLookaheadFrames = averaging };
        float[] frames = Frames(173);

        float[] byHop = Run(options, frames, options.HopFrames);
        float[] other = Run(options, frames, appendSize);

        Assert.Equal(173 * S, byHop.Length);
        Assert.Equal(byHop, other);
    }

    [Fact]
    public void Run_OneWindowPerFrame_EachFrameFromTheFirstWindowGivingItTheLookahead()
    {
        float[] frames = Frames(95);
        float[] posteriors = Run(s_one, frames, 10);

        // Frame f is emitted by the first hop window whose end e (a multiple of 10) has e - 6 > f; at the stream's end,
        // the window ending at the last frame gives the rest.
        for (int f = 0; f < 95; f++)
        {
            int end = ((f + 6) / 10 + 1) * 10;
            if (end > 95)
            {
                end = 95;
            }

            Assert.Equal(Output(frames, end, f), posteriors[f * S]);
        }
    }

    [Fact]
    public void Append_MoreThanDeclared_Refused()
    {
        var windows = new LiveWindowPosteriors(C, W, s_one, maxAppendFrames: 12);
        windows.Append(new float[12 * C]);
        Assert.Throws<ArgumentException>(() => windows.Append(new float[13 * C]));
        Assert.Throws<ArgumentException>(() => new LiveWindowPosteriors(C, W, s_one with { HopFrames = 30, LookaheadFrames = 11 }, 10));
    }

    /// <summary>Appends <paramref name="appendSize"/> frames at a time, runs every due window, then ends the stream.</summary>
    private static float[] Run(NeuralStreamingOptions options, float[] frames, int appendSize)
    {
        int count = frames.Length / C;
        var windows = new LiveWindowPosteriors(C, W, options, appendSize);
        var posteriors = new float[count * S];
        var input = new float[C * W];
        var output = new float[S * W];
        int appended = 0;
        while (true)
        {
            bool final = appended == count;
            while (windows.NextWindow(final, out long end, out long until))
            {
                windows.FillWindow(end, input);
                Network(input, end, output);
                long from = windows.Emitted;
                int n = windows.Emit(end, until, output, posteriors.AsSpan((int)from * S));
                Assert.Equal(until - from, n);
            }

            if (final)
            {
                break;
            }

            int k = Math.Min(appendSize, count - appended);
            windows.Append(frames.AsSpan(appended * C, k * C));
            appended += k;
        }

        Assert.Equal(count, windows.Emitted);
        return posteriors;
    }

    /// <summary>State s at window position p: input channel 0 there plus the window's end and position, all exact in float.</summary>
    private static void Network(float[] input, long end, float[] output)
    {
        for (int p = 0; p < W; p++)
        {
            for (int s = 0; s < S; s++)
            {
                output[(s * W) + p] = input[p] + (1000 * end) + (100000 * p) + s;
            }
        }
    }

    /// <summary>The stand-in's state-0 output for stream frame <paramref name="frame"/> in the window ending at <paramref name="end"/>.</summary>
    private static float Output(float[] frames, long end, int frame)
    {
        int p = (int)(frame - (end - W));
        return frames[frame * C] + (1000 * end) + (100000 * p);
    }

    private static float[] Frames(int count)
    {
        var frames = new float[count * C];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (i * 7) % 13;
        }

        return frames;
    }
}
