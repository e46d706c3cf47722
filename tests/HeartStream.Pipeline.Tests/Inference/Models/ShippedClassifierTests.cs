using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>The committed classifiers load through the registry in a fresh clone and give one probability per class.</summary>
public sealed class ShippedClassifierTests
{
    [Theory]
    [InlineData("classifier-abnormal", 2)]
    [InlineData("classifier-murmur", 3)]
    [InlineData("classifier-pascal", 5)]
    public void Resolve_ShippedClassifier_RunsOnSample(string name, int classes)
    {
        RegisteredModel model = new ModelRegistry(RepoPaths.Models).Resolve(name, FeatureSettings.Default.Hash());
        using OnnxSession session = OnnxSession.Load(model.ModelPath);
        using var classifier = new OnnxWindowClassifier(session, model.Manifest.WindowFrames, model.Manifest.HopFrames);
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        float[] features = RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, FeatureSettings.Default);
        var p = new float[classifier.Classes];

        classifier.Predict(features, p);

        Assert.Equal("classifier", model.Manifest.Kind);
        Assert.Equal(classes, model.Manifest.Classes.Count);
        Assert.Equal(classes, classifier.Classes);
        Assert.Equal(1f, p.Sum(), 4);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
    }
}
