using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Training.Models;

/// <summary>Runs an ONNX window classifier over clips as served (<see cref="OnnxWindowClassifier"/>) and scores them.</summary>
public static class ClassifierEvaluation
{
    public static IReadOnlyList<float[]> Predict(OnnxSession session, IReadOnlyList<LabelledClip> clips, int windowFrames, int hopFrames)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(clips);
        var result = new float[clips.Count][];
        Parallel.For(
            0,
            clips.Count,
            new ParallelOptions { MaxDegreeOfParallelism = 2 },
            () => new OnnxWindowClassifier(session, windowFrames, hopFrames),
            (i, _, classifier) =>
            {
                var p = new float[classifier.Classes];
                classifier.Predict(clips[i].Features, p);
                result[i] = p;
                return classifier;
            },
            c => c.Dispose());
        return result;
    }

    public static ClassificationReport Evaluate(byte[] onnxModel, ClassificationTask task, IReadOnlyList<LabelledClip> clips, int windowFrames, int hopFrames)
    {
        using OnnxSession session = OnnxSession.Load(onnxModel, new OnnxSessionOptions { IntraOpThreads = 1 }, "classifier under training");
        return ClassificationReport.Create(task, clips, Predict(session, clips, windowFrames, hopFrames));
    }
}
