using System.Globalization;
using HeartStream.Training.Nn;
using HeartStream.Training.Onnx;

namespace HeartStream.Training.Models;

/// <summary>
/// Walks a trained layer tree (<see cref="ILayer.Children"/>, switching on <see cref="ILayer.Kind"/>) into an ONNX graph
/// in inference mode: BatchNorm uses running statistics and Dropout disappears. Initialisers carry torch-style
/// qualified names (<see cref="ModelState"/>), so a graph can be read next to the trainer's state. Batch and time are
/// dynamic; a segmenter ends in a softmax over channels ("posteriors" [batch, classes, time]) and a classifier in a
/// softmax over classes ("probabilities" [batch, classes]), so serving never applies its own activation.
/// </summary>
public static class OnnxModelExporter
{
    /// <summary>Input name of every exported model.</summary>
    public const string InputName = "features";

    /// <summary>Output of a segmenter: per-frame state posteriors.</summary>
    public const string PosteriorsName = "posteriors";

    /// <summary>Output of a classifier: per-window class probabilities.</summary>
    public const string ProbabilitiesName = "probabilities";

    /// <summary>A per-frame model [N, C, T] → [N, classes, T] exported with a softmax over channels.</summary>
    public static OnnxGraphBuilder Segmenter(ILayer model, int inChannels, int classes, string graphName = "segmenter", int opset = 17)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var b = new OnnxGraphBuilder(graphName, opset);
        string x = b.AddInput(InputName, "batch", inChannels, "time");
        string logits = Emit(b, model, x, string.Empty);
        b.AddOutput(b.Softmax(logits, axis: 1), PosteriorsName, "batch", classes, "time");
        return b;
    }

    /// <summary>A window classifier [N, C, T] → [N, classes] exported with a softmax over classes.</summary>
    public static OnnxGraphBuilder Classifier(ILayer model, int inChannels, int classes, string graphName = "classifier", int opset = 17)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var b = new OnnxGraphBuilder(graphName, opset);
        string x = b.AddInput(InputName, "batch", inChannels, "time");
        string logits = Emit(b, model, x, string.Empty);
        b.AddOutput(b.Softmax(logits, axis: 1), ProbabilitiesName, "batch", classes);
        return b;
    }

    private static string Emit(OnnxGraphBuilder b, ILayer layer, string x, string prefix)
    {
        switch (layer)
        {
            case Sequential s:
                for (int i = 0; i < s.Children.Count; i++)
                {
                    x = Emit(b, s.Children[i], x, prefix + i.ToString(CultureInfo.InvariantCulture) + ".");
                }

                return x;
            case ResidualAdd r:
                return b.Add(x, Emit(b, r.Inner, x, prefix + "inner."));
            case ConcatSkip c:
                return b.Concat(1, x, Emit(b, c.Inner, x, prefix + "inner."));
            case Conv1d conv:
                return b.Conv(
                    x,
                    Weight(b, prefix, conv.Weight),
                    conv.Bias is null ? null : Weight(b, prefix, conv.Bias),
                    strides: [conv.Stride],
                    pads: [conv.Padding, conv.PaddingRight],
                    dilations: [conv.Dilation]);
            case BatchNorm1d bn:
                return b.BatchNormalization(
                    x, Weight(b, prefix, bn.Gamma), Weight(b, prefix, bn.Beta), Weight(b, prefix, bn.RunningMean), Weight(b, prefix, bn.RunningVar), (float)bn.Epsilon);
            case Relu:
                return b.Relu(x);
            case Gelu:
                return b.Gelu(x);
            case Dropout:
                return x; // inference mode: identity
            case MaxPool1d pool:
                return b.MaxPool(x, [pool.KernelSize], [pool.Stride]);
            case Upsample1d up:
                return b.Upsample(x, 1f, 1f, up.ScaleFactor);
            case GlobalAvgPool1d:
                return b.ReduceMean(x, [2], keepDims: false);
            case Linear linear:
                return b.Gemm(x, Weight(b, prefix, linear.Weight), linear.Bias is null ? null : Weight(b, prefix, linear.Bias), transB: true);
            default:
                throw new NotSupportedException($"ONNX export does not support layer kind {layer.Kind} ({layer.GetType().Name}) at '{prefix}'.");
        }
    }

    private static string Weight(OnnxGraphBuilder b, string prefix, Parameter p) =>
        b.AddInitializer(prefix + p.Name, p.Value, Array.ConvertAll(p.Shape, d => (long)d));
}
