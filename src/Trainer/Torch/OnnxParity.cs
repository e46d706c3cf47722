using System.Globalization;
using HeartStream.Pipeline.Inference;
using HeartStream.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Torch;

/// <summary>
/// Checks an export before it is used: the ONNX bytes run in ONNX Runtime (the serving session class) and the module's
/// TorchSharp forward pass (eval mode, softmax over channels) on the same input must agree within
/// <see cref="Tolerance"/>. The trainers run it on every model they write, so no shipped file differs from what was trained.
/// </summary>
public static class OnnxParity
{
    /// <summary>Largest allowed absolute difference of a posterior.</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>The largest absolute posterior difference over <paramref name="input"/> ([1, channels, frames]).</summary>
    public static float MaxDifference(nn.Module<Tensor, Tensor> model, byte[] onnx, float[] input, int channels, int classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        int frames = input.Length / channels;
        float[] expected;
        model.eval();
        using (no_grad())
        using (Tensor x = torch.tensor(input, [1, channels, frames]))
        using (Tensor p = nn.functional.softmax(model.forward(x), 1))
        {
            expected = p.contiguous().data<float>().ToArray();
        }

        using OnnxSession session = OnnxSession.Load(onnx, new OnnxSessionOptions { IntraOpThreads = 1 }, "export under test");
        var actual = new float[classes * frames];
        session.Run(OnnxNames.InputName, input, [1, channels, frames], OnnxNames.PosteriorsName, actual, [1, classes, frames]);
        float worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        return worst;
    }

    /// <summary><see cref="MaxDifference"/>, throwing when it exceeds <see cref="Tolerance"/> (or is not a number).</summary>
    public static float Check(nn.Module<Tensor, Tensor> model, byte[] onnx, float[] input, int channels, int classes, string what)
    {
        float worst = MaxDifference(model, onnx, input, channels, classes);
        if (!(worst <= Tolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: the ONNX export differs from the TorchSharp forward pass by {worst} (allowed {Tolerance}); not writing it"));
        }

        return worst;
    }
}
