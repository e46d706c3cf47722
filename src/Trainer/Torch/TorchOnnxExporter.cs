using HeartStream.Training.Models;
using HeartStream.Training.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Torch;

/// <summary>
/// TorchSharp has no ONNX export, so this walks a TorchSharp module tree (Sequential, <see cref="Residual"/>, Conv1d,
/// BatchNorm1d, ReLU, Dropout) in inference mode into our <see cref="OnnxGraphBuilder"/>. Every initialiser is read
/// from the module's own parameters and buffers and keeps its state-dict name (e.g. "block0.inner.conv.weight"), so
/// the graph can be checked against <c>state_dict()</c>. A module kind the walker does not know is refused with its
/// path rather than silently skipped. TorchOnnxExporterTests runs every export in ONNX Runtime against the TorchSharp
/// forward pass.
/// </summary>
public static class TorchOnnxExporter
{
    /// <summary>A per-frame model [N, C, T] → "posteriors" [N, classes, T] with a softmax over channels.</summary>
    public static OnnxGraphBuilder FrameModel(nn.Module<Tensor, Tensor> model, int inChannels, int classes, string graphName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var b = new OnnxGraphBuilder(graphName);
        string x = b.AddInput(OnnxNames.InputName, "batch", inChannels, "time");
        string logits = Emit(b, model, x, string.Empty);
        b.AddOutput(b.Softmax(logits, axis: 1), OnnxNames.PosteriorsName, "batch", classes, "time");
        return b;
    }

    private static string Emit(OnnxGraphBuilder b, nn.Module module, string x, string prefix)
    {
        switch (module)
        {
            case Sequential:
                foreach ((string name, nn.Module child) in module.named_children())
                {
                    x = Emit(b, child, x, prefix + name + ".");
                }

                return x;
            case Residual r:
                return b.Add(x, Emit(b, (nn.Module)r.Inner, x, prefix + "inner."));
            case Conv1d conv:
                if (conv.padding is null || conv.padding.Length != 1 || conv.groups != 1 || conv.padding_mode != PaddingModes.Zeros)
                {
                    throw new NotSupportedException($"ONNX export supports Conv1d with explicit symmetric zero padding and groups 1 only ('{prefix}').");
                }

                return b.Conv(
                    x,
                    Initializer(b, prefix + "weight", conv.weight),
                    conv.bias is null ? null : Initializer(b, prefix + "bias", conv.bias),
                    strides: [conv.stride[0]],
                    pads: [conv.padding[0], conv.padding[0]],
                    dilations: [conv.dilation[0]]);
            case BatchNorm1d bn:
                if (bn.running_mean is null || bn.running_var is null || bn.bias is null)
                {
                    throw new NotSupportedException($"ONNX export needs BatchNorm1d with affine parameters and running statistics ('{prefix}').");
                }

                return b.BatchNormalization(
                    x,
                    Initializer(b, prefix + "weight", bn.weight),
                    Initializer(b, prefix + "bias", bn.bias),
                    Initializer(b, prefix + "running_mean", bn.running_mean),
                    Initializer(b, prefix + "running_var", bn.running_var),
                    (float)bn.eps);
            case ReLU:
                return b.Relu(x);
            case Dropout:
                return x; // inference: identity
            default:
                throw new NotSupportedException($"ONNX export does not support {module.GetType().Name} at '{prefix.TrimEnd('.')}'.");
        }
    }

    private static string Initializer(OnnxGraphBuilder b, string name, Tensor t)
    {
        using Tensor c = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
        float[] values = c.data<float>().ToArray();
        return b.AddInitializer(name, values, c.shape);
    }
}
