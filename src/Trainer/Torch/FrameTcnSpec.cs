using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Torch;

/// <summary>
/// A per-frame dilated TCN: a stem (Conv of <see cref="StemKernel"/>, BN, ReLU; 1×1 by default) to <see cref="Width"/>
/// channels, then one residual block per
/// dilation (Conv k, BN, ReLU, dropout; centred "same" padding), then a 1×1 head to <see cref="Classes"/> logits per
/// frame. Input [batch, <see cref="InputChannels"/>, time], output [batch, classes, time] (logits; the ONNX export
/// adds a softmax over channels).
/// </summary>
public sealed record FrameTcnSpec
{
    public required int InputChannels { get; init; }

    public required int Classes { get; init; }

    public int Width { get; init; } = 32;

    public int Kernel { get; init; } = 5;

    /// <summary>
    /// Kernel of the stem convolution (odd; dilation 1, centred). 1 (the murmur model) only mixes channels; the
    /// segmenter's stem is its first temporal layer (kernel 5), the layout of segmenter-tcn 1.x.
    /// </summary>
    public int StemKernel { get; init; } = 1;

    public IReadOnlyList<int> Dilations { get; init; } = [1, 2, 4, 8, 16, 32];

    public double Dropout { get; init; } = 0.1;

    /// <summary>Frames each output frame sees on either side.</summary>
    public int HalfReceptiveField => ((StemKernel - 1) / 2) + Dilations.Sum(d => d * (Kernel - 1) / 2);

    /// <summary>Trainable parameters (convolutions and BatchNorm affine terms).</summary>
    public int ParameterCount =>
        (InputChannels * Width * StemKernel) + Width + (2 * Width)
        + (Dilations.Count * ((Width * Width * Kernel) + Width + (2 * Width)))
        + (Width * Classes) + Classes;

    /// <summary>One-line description for manifests and logs.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"frame TCN: stem {(StemKernel == 1 ? "1x1" : "k" + StemKernel.ToString(CultureInfo.InvariantCulture))} {InputChannels}->{Width}, {Dilations.Count} residual blocks (Conv k{Kernel} dilation {string.Join(',', Dilations)}, BN, ReLU, dropout {Dropout}), head 1x1 -> {Classes}; receptive field ±{HalfReceptiveField} frames");

    public void Validate()
    {
        if (InputChannels < 1 || Classes < 2 || Width < 1 || Kernel < 1 || Kernel % 2 == 0 || StemKernel < 1 || StemKernel % 2 == 0 || Dilations.Count == 0 || Dilations.Any(d => d < 1) || Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"Invalid frame TCN: {this}");
        }
    }

    /// <summary>Builds the TorchSharp module tree (initialised from torch's current random state).</summary>
    public nn.Module<Tensor, Tensor> Build()
    {
        Validate();
        var stem = nn.Sequential(
            ("conv", nn.Conv1d(InputChannels, Width, StemKernel, padding: (StemKernel - 1) / 2)),
            ("bn", nn.BatchNorm1d(Width)),
            ("relu", nn.ReLU()));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("stem", stem) };
        for (int i = 0; i < Dilations.Count; i++)
        {
            int d = Dilations[i];
            var block = nn.Sequential(
                ("conv", nn.Conv1d(Width, Width, Kernel, dilation: d, padding: d * (Kernel - 1) / 2)),
                ("bn", nn.BatchNorm1d(Width)),
                ("relu", nn.ReLU()),
                ("drop", nn.Dropout(Dropout)));
            layers.Add(("block" + i.ToString(CultureInfo.InvariantCulture), new Residual(block)));
        }

        layers.Add(("head", nn.Conv1d(Width, Classes, 1)));
        return nn.Sequential(layers);
    }
}
