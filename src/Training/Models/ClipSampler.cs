using HeartStream.Training.Nn;

namespace HeartStream.Training.Models;

/// <summary>
/// Random windows for a classifier: a recording drawn with class-balanced probability (each class equally likely,
/// recordings uniform within it), then a random crop; a recording shorter than the window is tiled, as in serving
/// (<see cref="Pipeline.Inference.Models.OnnxWindowClassifier"/>). Seeded.
/// </summary>
public sealed class ClipSampler
{
    private readonly List<LabelledClip>[] _byClass;
    private readonly int[] _classes;
    private readonly Random _random;

    public ClipSampler(IReadOnlyList<LabelledClip> clips, int classes, int channels, int window, int seed)
    {
        ArgumentNullException.ThrowIfNull(clips);
        _byClass = [.. Enumerable.Range(0, classes).Select(_ => new List<LabelledClip>())];
        foreach (LabelledClip c in clips)
        {
            if ((uint)c.Label >= (uint)classes)
            {
                throw new ArgumentException($"clip {c.Id} has label {c.Label}, outside 0..{classes - 1}", nameof(clips));
            }

            _byClass[c.Label].Add(c);
        }

        _classes = [.. Enumerable.Range(0, classes).Where(k => _byClass[k].Count > 0)];
        if (_classes.Length == 0)
        {
            throw new ArgumentException("the sampler needs at least one clip", nameof(clips));
        }

        Channels = channels;
        Window = window;
        _random = new Random(seed);
    }

    public int Channels { get; }

    public int Window { get; }

    public void Fill(Tensor input, int[] targets)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(targets);
        int batch = input.Dim(0);
        int c = Channels, w = Window;
        for (int b = 0; b < batch; b++)
        {
            List<LabelledClip> pool = _byClass[_classes[_random.Next(_classes.Length)]];
            LabelledClip clip = pool[_random.Next(pool.Count)];
            int frames = clip.Features.Length / c;
            int start = frames > w ? _random.Next(frames - w + 1) : 0;
            Span<float> destination = input.Data.AsSpan(b * c * w, c * w);
            for (int t = 0; t < w; t++)
            {
                int src = ((start + t) % frames) * c;
                for (int k = 0; k < c; k++)
                {
                    destination[(k * w) + t] = clip.Features[src + k];
                }
            }

            targets[b] = clip.Label;
        }
    }
}
