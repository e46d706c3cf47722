using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>The committed classifiers load through the registry in a fresh clone and give one probability per class.</summary>
public sealed class ShippedClassifierTests
{
    [Theory]
    [InlineData("classifier-abnormal", 2)]
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

    [Fact]
    public void Resolve_ShippedMurmurFrameModel_RunsOnSampleWithItsRule()
    {
        RegisteredModel model = new ModelRegistry(RepoPaths.Models).Resolve("classifier-murmur", FeatureSettings.Default.Hash());
        Assert.Equal(ModelManifest.FrameClassifierKind, model.Manifest.Kind);
        Assert.Equal(SpectrogramSettings.Default.Hash(), model.Manifest.SpectrogramSettingsHash);
        Assert.NotNull(model.Manifest.Murmur);
        Assert.Null(model.Manifest.Murmur.Problem());
        Assert.True(model.Manifest.Metrics["cv_patients"] >= 400, "the rule was chosen on the cross-validation of the whole CirCor set");
        using FrameClassifierModel frame = FrameClassifierModel.Load(model);
        frame.SelfTest();

        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        float[] features = SpectralFeatures.ComputeRecording(audio.Samples, audio.SampleRate, frame.Envelope, frame.Spectrum, out int frames);
        float[] p = frame.Posteriors(features, frames);

        Assert.Equal(frame.Classes.Count * frames, p.Length);
        for (int t = 0; t < frames; t += 37)
        {
            float sum = 0;
            for (int k = 0; k < frame.Classes.Count; k++)
            {
                sum += p[(k * frames) + t];
            }

            Assert.Equal(1f, sum, 4);
        }

        MurmurEvidence evidence = frame.Evidence(p, frames);
        Assert.Equal(frames, evidence.Frames);
        Assert.InRange(evidence.Score, 0, 1);
        Assert.InRange(evidence.MeanConfidence, 0.2, 1);
    }
}
