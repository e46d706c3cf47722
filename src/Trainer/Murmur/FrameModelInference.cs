using HeartStream.Pipeline.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// Runs a frame model over a whole recording as the service serves it: windows of <c>window</c> frames with hop
/// window / 2, each window's spectral bins z-scored on their own, softmax posteriors averaged where windows overlap;
/// a recording shorter than one window runs at its own length.
/// </summary>
public static class FrameModelInference
{
    /// <summary>Channel-major posteriors [classes, frames].</summary>
    public static float[] Posteriors(nn.Module<Tensor, Tensor> model, MurmurRecording recording, int classes, int window, int firstSpectral)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(recording);
        int frames = recording.Frames, c = recording.Channels;
        int w = Math.Min(window, frames);
        int[] starts = SpectralFeatures.WindowStarts(frames, window);
        float[] x = SpectralFeatures.Windows(recording.Features, c, frames, starts, w, firstSpectral);

        float[] p;
        model.eval();
        using (no_grad())
        using (NewDisposeScope())
        {
            Tensor output = nn.functional.softmax(model.forward(torch.tensor(x, [starts.Length, c, w])), 1);
            p = output.contiguous().data<float>().ToArray();
        }

        var sum = new float[classes * frames];
        var count = new float[frames];
        for (int i = 0; i < starts.Length; i++)
        {
            for (int t = 0; t < w; t++)
            {
                count[starts[i] + t]++;
                for (int k = 0; k < classes; k++)
                {
                    sum[(k * frames) + starts[i] + t] += p[(((i * classes) + k) * w) + t];
                }
            }
        }

        for (int k = 0; k < classes; k++)
        {
            for (int t = 0; t < frames; t++)
            {
                sum[(k * frames) + t] /= count[t];
            }
        }

        return sum;
    }
}
