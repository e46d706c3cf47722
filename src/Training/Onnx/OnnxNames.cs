namespace HeartStream.Training.Onnx;

/// <summary>Tensor names every exported model uses (the serving code looks them up by these names).</summary>
public static class OnnxNames
{
    /// <summary>Input of every exported model: [batch, channels, time].</summary>
    public const string InputName = "features";

    /// <summary>Output of a per-frame model: posteriors [batch, classes, time] (softmax over channels).</summary>
    public const string PosteriorsName = "posteriors";
}
