using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>The shipped models pass the test inference a reloaded model must pass; a model of the wrong kind is refused.</summary>
public sealed class ModelSelfTestTests
{
    [Fact]
    public void CheckSegmenter_ShippedSegmenter_Passes()
    {
        RegisteredModel model = new ModelRegistry(RepoPaths.Models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(model);

        ModelSelfTest.CheckSegmenter(segmenter); // throws on failure
    }

    [Theory]
    [InlineData("classifier-abnormal")]
    [InlineData("classifier-pascal")]
    public void CheckClassifier_ShippedClassifier_Passes(string name)
    {
        RegisteredModel model = new ModelRegistry(RepoPaths.Models).Resolve(name, FeatureSettings.Default.Hash());
        using OnnxSession session = OnnxSession.Load(model.ModelPath);
        using var classifier = new OnnxWindowClassifier(session, model.Manifest.WindowFrames, model.Manifest.HopFrames);

        ModelSelfTest.CheckClassifier(classifier, name); // throws on failure
    }

    [Fact]
    public void Load_ClassifierAsSegmenter_IsRefusedNamingTheKind()
    {
        RegisteredModel model = new ModelRegistry(RepoPaths.Models).Resolve("classifier-abnormal", FeatureSettings.Default.Hash());

        var e = Assert.Throws<InvalidDataException>(() => NeuralSegmenter.Load(model));
        Assert.Contains("classifier", e.Message, StringComparison.Ordinal);
    }
}
