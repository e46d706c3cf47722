using System.Globalization;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;
using ScottPlot;

using ClassProbabilities = System.Collections.Generic.IReadOnlyList<HeartStream.Commands.ClassifierResult>;

namespace HeartStream.Commands;

/// <summary>
/// The picture of <c>analyze FILE --plot OUT.png|OUT.svg</c> (ScottPlot 5): the recording's waveform with every S1
/// (red) and S2 (blue) shaded from start to end and labelled, the heart rate and S1/S2 counts in the title, and each
/// classifier's decision (its most probable class) under it.
/// </summary>
internal static class AnalyzePlot
{
    public const int Width = 1600;
    public const int Height = 600;

    private static readonly Color s_s1 = Colors.Red;
    private static readonly Color s_s2 = Colors.Blue;

    /// <summary>Writes the plot; the format follows the extension (.png or .svg).</summary>
    /// <exception cref="ArgumentException">The extension is neither .png nor .svg.</exception>
    public static void Save(string path, string name, WavAudio audio, RecordingAnalysis analysis, ClassProbabilities classes)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not ".png" and not ".svg")
        {
            throw new ArgumentException($"--plot writes .png or .svg, not '{extension}'.", nameof(path));
        }

        using var plot = new Plot();
        double[] samples = Array.ConvertAll(audio.Samples, s => (double)s);
        var wave = plot.Add.Signal(samples, 1.0 / audio.SampleRate);
        wave.Color = Colors.Black.WithAlpha(0.8);
        double top = samples.Length == 0 ? 1 : Math.Max(1e-6, samples.Max(Math.Abs));
        foreach (HeartSound sound in analysis.Sounds)
        {
            Color color = sound.Type == SoundType.S1 ? s_s1 : s_s2;
            var span = plot.Add.HorizontalSpan(sound.StartSeconds, sound.EndSeconds);
            span.FillColor = color.WithAlpha(0.18);
            span.LineColor = Colors.Transparent;
            var label = plot.Add.Text(sound.Type == SoundType.S1 ? "S1" : "S2", sound.CentreSeconds, top * 1.05);
            label.LabelFontColor = color;
            label.LabelFontSize = 11;
            label.LabelAlignment = Alignment.LowerCenter;
        }

        plot.Axes.SetLimitsY(-top * 1.1, top * 1.25);
        plot.Axes.SetLimitsX(0, Math.Max(audio.DurationSeconds, 1e-3));
        plot.XLabel("time (s)");
        plot.YLabel("amplitude (full scale = 1)");
        plot.Title(Title(name, analysis, classes));
        if (extension == ".png")
        {
            plot.SavePng(path, Width, Height);
        }
        else
        {
            plot.SaveSvg(path, Width, Height);
        }
    }

    internal static string Title(string name, RecordingAnalysis a, ClassProbabilities classes)
    {
        string head = a.Status != AnalysisStatus.Ok
            ? $"{Path.GetFileName(name)}: not segmented ({string.Join("; ", a.Warnings)})"
            : string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(name)}: {(a.BeatHeartRateBpm is double bpm ? $"{bpm:0} bpm" : "heart rate n/a")}, {a.S1Count} S1 (red), {a.S2Count} S2 (blue)");
        IEnumerable<string> decisions = classes.Where(c => c.Probabilities.Count > 0 || c.Decision is not null).Select(c =>
        {
            if (c.Decision is not null)
            {
                return c.Probabilities.FirstOrDefault(x => x.Class == "murmur") is { Class: not null } m
                    ? string.Create(CultureInfo.InvariantCulture, $"{c.Model}: {c.Decision} (P {m.Probability:0.00})")
                    : $"{c.Model}: {c.Decision}";
            }

            (string label, double p) = c.Probabilities.MaxBy(x => x.Probability);
            return string.Create(CultureInfo.InvariantCulture, $"{c.Model}: {label} {p:0.00}");
        });
        string line = string.Join("   ", decisions);
        return line.Length == 0 ? head : head + "\n" + line;
    }
}
