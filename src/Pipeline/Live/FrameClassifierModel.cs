using System.Globalization;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// A murmur frame model (manifest kind "frame-classifier") loaded once and shared by every device's
/// <see cref="LiveFrameClassifier"/> and by `analyze`: the ONNX session ("features" [batch, envelope + spectral
/// channels, time] → "posteriors" [batch, classes, time], softmax applied), the window it was trained on and its
/// <see cref="MurmurRule"/>. Input frames are <see cref="SpectralFeatures"/>: the segmenter's normalised envelope
/// channels, then the log-power bins, which are z-scored per bin within each window.
/// </summary>
public sealed class FrameClassifierModel : ILiveClassifierModel
{
    private const string InputName = "features";
    private const string OutputName = "posteriors";

    private readonly bool _ownsSession;

    public FrameClassifierModel(OnnxSession session, string name, string version, IReadOnlyList<string> classes, int windowFrames, MurmurRule rule, FeatureSettings envelope, SpectrogramSettings spectrum, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 8);
        OnnxTensorInfo input = session.Inputs.FirstOrDefault(i => i.Name == InputName)
            ?? throw new InvalidDataException($"frame classifier '{name}' has no input '{InputName}' (inputs: {string.Join(", ", session.InputNames)})");
        OnnxTensorInfo output = session.Outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new InvalidDataException($"frame classifier '{name}' has no output '{OutputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        int channels = SpectralFeatures.Channels(envelope, spectrum);
        if (input.Dimensions.Count != 3 || input.Dimensions[1] != channels || output.Dimensions.Count != 3 || output.Dimensions[1] != classes.Count)
        {
            throw new InvalidDataException(
                $"frame classifier '{name}' must map [batch, {channels}, time] to [batch, {classes.Count}, time]; it has input [{string.Join(", ", input.Dimensions)}] and output [{string.Join(", ", output.Dimensions)}]");
        }

        if (rule.Problem() is string problem)
        {
            throw new InvalidDataException($"frame classifier '{name}': {problem}");
        }

        if (Math.Max(rule.MurmurClass, Math.Max(rule.SystoleClass, rule.DiastoleClass)) >= classes.Count)
        {
            throw new InvalidDataException($"frame classifier '{name}': its murmur rule names a class beyond its {classes.Count} classes");
        }

        Session = session;
        _ownsSession = ownsSession;
        Name = name;
        Version = version;
        Classes = [.. classes];
        WindowFrames = windowFrames;
        Rule = rule;
        Envelope = envelope;
        Spectrum = spectrum;
        Channels = channels;
    }

    public OnnxSession Session { get; }

    public string Name { get; }

    public string Version { get; }

    public string Identity => $"{Name} {Version}";

    /// <summary>Frame classes in output order (S1, systole, S2, diastole, murmur).</summary>
    public IReadOnlyList<string> Classes { get; }

    public int WindowFrames { get; }

    /// <summary>Input channels per frame: envelope channels, then spectral bins.</summary>
    public int Channels { get; }

    public MurmurRule Rule { get; }

    public FeatureSettings Envelope { get; }

    public SpectrogramSettings Spectrum { get; }

    /// <summary>Names of a live result (<see cref="LiveFrameClassifier"/>), in order.</summary>
    public static IReadOnlyList<string> ResultNames { get; } = ["murmur", "murmur_score", "Present", "Unknown", "Absent"];

    /// <summary>Loads a registered frame classifier; checks its spectrogram settings against this build's.</summary>
    /// <exception cref="InvalidDataException">The model is not a frame classifier, or its manifest, features and graph disagree.</exception>
    public static FrameClassifierModel Load(RegisteredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelManifest m = model.Manifest;
        if (m.Kind != ModelManifest.FrameClassifierKind || m.Murmur is null)
        {
            throw new InvalidDataException($"model '{m.Name}' is a {m.Kind}, not a murmur {ModelManifest.FrameClassifierKind}");
        }

        SpectrogramSettings spectrum = SpectrogramSettings.Default;
        if (!string.Equals(m.SpectrogramSettingsHash, spectrum.Hash(), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"model '{m.Name}' {m.Version} was trained on spectrogram settings {m.SpectrogramSettingsHash}, this build computes {spectrum.Hash()}; retrain it (heartstream-train murmur --ship)");
        }

        OnnxSession session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        try
        {
            return new FrameClassifierModel(session, m.Name, m.Version, m.Classes, m.WindowFrames, m.Murmur, FeatureSettings.Default, spectrum, ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ILiveClassifier CreateClassifier(double intervalSeconds, double averageSeconds) => new LiveFrameClassifier(this, intervalSeconds, averageSeconds);

    /// <inheritdoc />
    public void SelfTest()
    {
        const int frames = 300;
        var features = new float[Channels * frames];
        for (int c = 0; c < Channels; c++)
        {
            for (int t = 0; t < frames; t++)
            {
                double phase = (t % 42) / 42.0; // 72 bpm at 50 frames/s
                features[(c * frames) + t] = (float)((2 * Math.Exp(-phase * 25)) - 0.5 + (0.01 * c));
            }
        }

        float[] p = Posteriors(features, frames);
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            for (int k = 0; k < Classes.Count; k++)
            {
                float v = p[(k * frames) + t];
                if (!float.IsFinite(v) || v < -1e-3f || v > 1.001f)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"model {Identity} failed its test inference: output {v} at frame {t} is not a probability"));
                }

                sum += v;
            }

            if (Math.Abs(sum - 1) > 1e-3)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"model {Identity} failed its test inference: posteriors of frame {t} sum to {sum}, not 1"));
            }
        }
    }

    /// <summary>
    /// Posteriors [classes, frames] of a whole recording's channel-major features [<see cref="Channels"/>, frames], as
    /// the trainer evaluates it: windows of <see cref="WindowFrames"/> every half window (the last aligned to the end),
    /// each window's spectral bins z-scored on their own, overlapping posteriors averaged; a recording shorter than a
    /// window runs at its own length. Offline only (allocates).
    /// </summary>
    public float[] Posteriors(ReadOnlySpan<float> features, int frames)
    {
        if (features.Length != Channels * frames || frames < 1)
        {
            throw new ArgumentException($"features hold {features.Length} floats, expected {Channels} channels x {frames} frames", nameof(features));
        }

        int w = Math.Min(WindowFrames, frames);
        int[] starts = SpectralFeatures.WindowStarts(frames, WindowFrames);
        int classes = Classes.Count;
        var window = new float[Channels * w];
        var output = new float[classes * w];
        var sum = new float[classes * frames];
        var count = new int[frames];
        foreach (int start in starts)
        {
            for (int c = 0; c < Channels; c++)
            {
                features.Slice((c * frames) + start, w).CopyTo(window.AsSpan(c * w, w));
            }

            SpectralFeatures.NormalizeWindow(window, Channels, w, Envelope.Channels);
            Session.Run(InputName, window, [1, Channels, w], OutputName, output, [1, classes, w]);
            for (int t = 0; t < w; t++)
            {
                count[start + t]++;
                for (int k = 0; k < classes; k++)
                {
                    sum[(k * frames) + start + t] += output[(k * w) + t];
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

    /// <summary>Runs one window in place of <paramref name="output"/> ([1, classes, window]); the window's bins must already be normalised.</summary>
    internal void RunWindow(ReadOnlySpan<float> window, ReadOnlySpan<long> inputShape, Span<float> output, ReadOnlySpan<long> outputShape) =>
        Session.Run(InputName, window, inputShape, OutputName, output, outputShape);

    /// <summary>A recording's murmur evidence from its posteriors [classes, frames].</summary>
    public MurmurEvidence Evidence(ReadOnlySpan<float> posteriors, int frames)
    {
        var evidence = new MurmurEvidence();
        evidence.Add(posteriors, frames, 0, frames, Rule, Classes.Count);
        return evidence;
    }

    public void Dispose()
    {
        if (_ownsSession)
        {
            Session.Dispose();
        }
    }
}

/// <summary>Summed frame evidence of a murmur frame model over some frames (see <see cref="MurmurRule"/>).</summary>
public struct MurmurEvidence
{
    /// <summary>Summed murmur posterior.</summary>
    public double Murmur;

    /// <summary>Summed systole + diastole + murmur posterior.</summary>
    public double Between;

    /// <summary>Summed top posterior per frame.</summary>
    public double Confidence;

    /// <summary>Frames summed.</summary>
    public long Frames;

    /// <summary>The recording score (<see cref="MurmurRule.Score"/>).</summary>
    public readonly double Score => MurmurRule.Score(Murmur, Between);

    /// <summary>Mean top posterior per frame, 0 with no frames.</summary>
    public readonly double MeanConfidence => Frames == 0 ? 0 : Confidence / Frames;

    /// <summary>Adds frames <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> − 1 of channel-major posteriors [classes, length].</summary>
    public void Add(ReadOnlySpan<float> posteriors, int length, int first, int count, MurmurRule rule, int classes)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Add(posteriors, length, first, count, classes, rule.MurmurClass, rule.SystoleClass, rule.DiastoleClass);
    }

    /// <summary>The evidence of all frames of channel-major posteriors [classes, frames] (the trainer's recording score).</summary>
    public static MurmurEvidence Of(ReadOnlySpan<float> posteriors, int frames, int classes, int murmurClass, int systoleClass, int diastoleClass)
    {
        var evidence = default(MurmurEvidence);
        evidence.Add(posteriors, frames, 0, frames, classes, murmurClass, systoleClass, diastoleClass);
        return evidence;
    }

    private void Add(ReadOnlySpan<float> posteriors, int length, int first, int count, int classes, int murmurClass, int systoleClass, int diastoleClass)
    {
        for (int t = first; t < first + count; t++)
        {
            float m = posteriors[(murmurClass * length) + t];
            Murmur += m;
            Between += m + posteriors[(systoleClass * length) + t] + posteriors[(diastoleClass * length) + t];
            float top = 0;
            for (int k = 0; k < classes; k++)
            {
                top = Math.Max(top, posteriors[(k * length) + t]);
            }

            Confidence += top;
        }

        Frames += count;
    }

    /// <summary>Removes evidence added earlier (a trailing span moving on).</summary>
    public void Subtract(in MurmurEvidence other)
    {
        Murmur -= other.Murmur;
        Between -= other.Between;
        Confidence -= other.Confidence;
        Frames -= other.Frames;
    }

    /// <summary>Adds other evidence.</summary>
    public void Add(in MurmurEvidence other)
    {
        Murmur += other.Murmur;
        Between += other.Between;
        Confidence += other.Confidence;
        Frames += other.Frames;
    }
}
