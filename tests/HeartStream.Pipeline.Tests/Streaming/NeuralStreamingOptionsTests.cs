using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Tests.Streaming;

/// <summary>
/// A bounded-context segmenter is served only with options under which every live frame comes from a window holding
/// its whole receptive field (otherwise live and offline posteriors would differ again).
/// </summary>
public sealed class NeuralStreamingOptionsTests
{
    private static readonly NeuralStreamingOptions s_fits = new() { WindowFrames = 128, HopFrames = 25, LookaheadFrames = 40, AveragingLookaheadFrames = -1 };

    [Fact]
    public void ValidateContext_CentredModelOrFittingOptions_Passes()
    {
        s_fits.ValidateContext(null, 256);
        s_fits.ValidateContext((63, 40), 256);
        (s_fits with { AveragingLookaheadFrames = 40 }).ValidateContext((48, 40), 256);
        (NeuralStreamingOptions.Default with { LookaheadFrames = 0, AveragingLookaheadFrames = -1 }).ValidateContext(null, 256);
    }

    [Theory]
    [InlineData(48, 41, "future")]
    [InlineData(64, 40, "past")]
    public void ValidateContext_ContextOutsideTheWindow_ThrowsNamingIt(int past, int future, string named)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => s_fits.ValidateContext((past, future), 256));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateContext_AveragingWithWindowsThatSawLessFuture_Throws()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => (s_fits with { AveragingLookaheadFrames = 0 }).ValidateContext((48, 40), 256));

        Assert.Contains(nameof(NeuralStreamingOptions.AveragingLookaheadFrames), e.Message, StringComparison.Ordinal);
    }
}
