using HeartStream.Trainer.Torch;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Tests.Torch;

/// <summary>Every exported model runs in ONNX Runtime and matches the TorchSharp forward pass to 1e-4.</summary>
public sealed class TorchOnnxExporterTests
{
    [Theory]
    [InlineData(44, 5, 16, 5, 1, new[] { 1, 2, 4 })]
    [InlineData(4, 4, 8, 3, 1, new[] { 1, 3, 9, 27 })]
    [InlineData(4, 4, 12, 5, 5, new[] { 2, 4, 8 })] // the segmenter's layout: a k5 stem, then residual layers
    public void ExportMatchesTorchSharp(int inputs, int classes, int width, int kernel, int stemKernel, int[] dilations)
    {
        torch.manual_seed(7);
        var spec = new FrameTcnSpec { InputChannels = inputs, Classes = classes, Width = width, Kernel = kernel, StemKernel = stemKernel, Dilations = dilations };
        using var model = spec.Build();
        // A few training steps so BatchNorm's running statistics and every weight are away from their initial values.
        var opt = optim.AdamW(model.parameters(), lr: 1e-2);
        model.train();
        for (int i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            Tensor x = randn(4, inputs, 64) * 3 + 1;
            Tensor y = randint(0, classes, [4, 64]);
            nn.functional.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }

        model.eval();
        byte[] onnx = TorchOnnxExporter.FrameModel(model, inputs, classes, "test").ToBytes();
        using var session = new InferenceSession(onnx);
        foreach (int frames in new[] { 64, 300, 1 })
        {
            using var input = randn(3, inputs, frames);
            float[] expected;
            using (no_grad())
            using (var p = nn.functional.softmax(model.forward(input), 1))
            {
                expected = p.contiguous().data<float>().ToArray();
            }

            var tensor = new DenseTensor(input.contiguous().data<float>().ToArray(), [3, inputs, frames]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("features", tensor)]);
            float[] actual = results.Single(r => r.Name == "posteriors").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }

            Assert.True(worst <= 1e-4f, $"{frames} frames: ORT differs from TorchSharp by {worst}");
        }
    }

    [Fact]
    public void InitialisersCarryTheStateDictNames()
    {
        torch.manual_seed(1);
        using var model = new FrameTcnSpec { InputChannels = 3, Classes = 2, Width = 4, Dilations = [1, 2] }.Build();
        var graph = TorchOnnxExporter.FrameModel(model, 3, 2, "names").Build().Graph;
        string[] initialisers = [.. graph.Initializer.Select(i => i.Name).Order(StringComparer.Ordinal)];
        string[] state = [.. model.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.Equal(state, initialisers);
        Assert.Contains("block1.inner.conv.weight", initialisers);
    }

    [Fact]
    public void UnknownModuleIsRefusedWithItsPath()
    {
        using var model = nn.Sequential(("conv", nn.Conv1d(2, 2, 1)), ("act", nn.GELU()));
        var e = Assert.Throws<NotSupportedException>(() => TorchOnnxExporter.FrameModel(model, 2, 2, "bad"));
        Assert.Contains("GELU", e.Message, StringComparison.Ordinal);
        Assert.Contains("'act'", e.Message, StringComparison.Ordinal);
    }
}
