using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>
/// The emission-model seam must not change the baseline: the logistic model behind <see cref="IEmissionModel"/>
/// (posteriors, then DecodePosteriors) gives exactly the sounds and heart rate of the built-in path.
/// </summary>
public sealed class LogisticEmissionsTests
{
    [Theory]
    [InlineData("circor/13918_AV.wav")]
    [InlineData("physionet2016/a0002.wav")]
    public void Analyze_LogisticBehindInterface_SameAsBuiltInBaseline(string sample)
    {
        SegmenterParameters parameters = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));

        RecordingAnalysis builtIn = new RecordingAnalyzer(parameters).Analyze(audio);
        // The heard-sound rule is a step after decoding (for networks trained to say when nothing was heard); off here,
        // so the seam alone is compared.
        var seam = new RecordingAnalyzer(parameters, new LogisticEmissions(parameters), minSoundPosterior: 0);
        RecordingAnalysis viaInterface = seam.Analyze(audio);

        Assert.Equal("baseline", seam.EmissionModelName);
        Assert.NotEmpty(builtIn.Sounds);
        Assert.Equal(builtIn.Sounds, viaInterface.Sounds);
        Assert.Equal(builtIn.HeartRate, viaInterface.HeartRate);
    }

    [Fact]
    public void Constructor_EmissionModelWithOtherChannelCount_ThrowsNamingBoth()
    {
        SegmenterParameters parameters = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));
        var e = Assert.Throws<InvalidDataException>(() => new RecordingAnalyzer(parameters, new FakeEmissions(3)));
        Assert.Contains("3 feature channels", e.Message, StringComparison.Ordinal);
    }

    private sealed class FakeEmissions(int channels) : IEmissionModel
    {
        public string Name => "fake";

        public int Channels => channels;

        public void Predict(ReadOnlySpan<float> features, Span<float> posteriors) => posteriors.Fill(0.25f);
    }
}
