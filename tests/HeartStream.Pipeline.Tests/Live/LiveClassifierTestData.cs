using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>The shipped classifiers (loaded once per test run) and real normalised features of committed samples.</summary>
internal static class LiveClassifierTestData
{
    private static readonly Dictionary<string, LiveClassifierModel> s_models = new(StringComparer.Ordinal);

    /// <summary>A shipped classifier, shared by the tests (sessions allow concurrent runs; never disposed).</summary>
    public static LiveClassifierModel Model(string name)
    {
        lock (s_models)
        {
            if (!s_models.TryGetValue(name, out LiveClassifierModel? model))
            {
                model = LiveClassifierModel.Load(RepoPaths.Models, name);
                s_models.Add(name, model);
            }

            return model;
        }
    }

    private static readonly Dictionary<string, FrameClassifierModel> s_frameModels = new(StringComparer.Ordinal);

    /// <summary>A shipped murmur frame model (kind frame-classifier), shared by the tests (never disposed).</summary>
    public static FrameClassifierModel FrameModel(string name)
    {
        lock (s_frameModels)
        {
            if (!s_frameModels.TryGetValue(name, out FrameClassifierModel? model))
            {
                model = FrameClassifierModel.Load(new ModelRegistry(RepoPaths.Models).Resolve(name, FeatureSettings.Default.Hash()));
                s_frameModels.Add(name, model);
            }

            return model;
        }
    }

    /// <summary>The offline features of a sample (the streaming normaliser over the whole recording), frame-major.</summary>
    public static float[] Features(string sample)
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
        return RecordingAnalyzer.PrepareFeatures(audio.Samples, audio.SampleRate, FeatureSettings.Default);
    }

    /// <summary>The offline classifier's result for exactly the frames [end - W, end): one window, no tiling.</summary>
    public static float[] OfflineWindow(LiveClassifierModel model, float[] features, int endFrame)
    {
        int c = model.Channels;
        int w = model.WindowFrames;
        using var offline = new OnnxWindowClassifier(model.Session, w, w);
        var p = new float[model.Classes.Count];
        offline.Predict(features.AsSpan((endFrame - w) * c, w * c), p);
        return p;
    }
}
