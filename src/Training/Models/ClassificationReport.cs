using System.Text.Json;
using System.Text.Json.Serialization;

namespace HeartStream.Training.Models;

/// <summary>
/// Recording-level (murmur: patient-level) classification figures. Abnormal: Se, Sp and MAcc with "abnormal" as the
/// positive class (PhysioNet/CinC 2016). Murmur: a patient is Present if any of its recordings is predicted Present,
/// else Unknown if any is Unknown, else Absent, and weighted accuracy = Σ w·correct / Σ w·count with weights
/// Present 5, Unknown 3, Absent 1 over the true classes (George B. Moody PhysioNet Challenge 2022). Pascal: macro F1.
/// <see cref="Confusion"/>[true][predicted] counts the units scored (recordings, or patients for murmur).
/// </summary>
public sealed record ClassificationReport
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Task { get; init; }

    public required int Recordings { get; init; }

    /// <summary>Units in the confusion matrix: recordings, or patients for murmur.</summary>
    public required int Scored { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public required double Accuracy { get; init; }

    public double? Se { get; init; }

    public double? Sp { get; init; }

    public double? Macc { get; init; }

    public double? WeightedAccuracy { get; init; }

    public double? MacroF1 { get; init; }

    public required int[][] Confusion { get; init; }

    /// <summary>The task's headline figure (MAcc, weighted accuracy or macro F1).</summary>
    [JsonIgnore]
    public double Headline => Macc ?? WeightedAccuracy ?? MacroF1 ?? Accuracy;

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Scores predictions (argmax of <paramref name="probabilities"/>) against the clips' labels.</summary>
    public static ClassificationReport Create(ClassificationTask task, IReadOnlyList<LabelledClip> clips, IReadOnlyList<float[]> probabilities)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (clips.Count != probabilities.Count)
        {
            throw new ArgumentException($"{clips.Count} clips but {probabilities.Count} predictions");
        }

        IReadOnlyList<string> classes = ClassificationTasks.Classes(task);
        int k = classes.Count;
        var truth = new List<int>();
        var predicted = new List<int>();
        if (task == ClassificationTask.Murmur)
        {
            // Patient level: Present (0) beats Unknown (1) beats Absent (2), so the minimum index wins.
            foreach (IGrouping<string, int> patient in Enumerable.Range(0, clips.Count).GroupBy(i => clips[i].PatientId, StringComparer.Ordinal))
            {
                truth.Add(patient.Min(i => clips[i].Label));
                predicted.Add(patient.Min(i => ArgMax(probabilities[i])));
            }
        }
        else
        {
            for (int i = 0; i < clips.Count; i++)
            {
                truth.Add(clips[i].Label);
                predicted.Add(ArgMax(probabilities[i]));
            }
        }

        int[][] confusion = [.. Enumerable.Range(0, k).Select(_ => new int[k])];
        for (int i = 0; i < truth.Count; i++)
        {
            confusion[truth[i]][predicted[i]]++;
        }

        int correct = Enumerable.Range(0, k).Sum(c => confusion[c][c]);
        var report = new ClassificationReport
        {
            Task = task.ToString().ToLowerInvariant(),
            Recordings = clips.Count,
            Scored = truth.Count,
            Classes = classes,
            Accuracy = truth.Count == 0 ? 0 : (double)correct / truth.Count,
            Confusion = confusion,
        };
        switch (task)
        {
            case ClassificationTask.Abnormal:
                double se = Ratio(confusion[1][1], confusion[1][0] + confusion[1][1]);
                double sp = Ratio(confusion[0][0], confusion[0][0] + confusion[0][1]);
                return report with { Se = se, Sp = sp, Macc = (se + sp) / 2 };
            case ClassificationTask.Murmur:
                double[] w = [5, 3, 1];
                double num = 0, den = 0;
                for (int c = 0; c < k; c++)
                {
                    num += w[c] * confusion[c][c];
                    den += w[c] * confusion[c].Sum();
                }

                return report with { WeightedAccuracy = den == 0 ? 0 : num / den };
            default:
                double f1Sum = 0;
                int present = 0;
                for (int c = 0; c < k; c++)
                {
                    int tp = confusion[c][c];
                    int actual = confusion[c].Sum();
                    int called = Enumerable.Range(0, k).Sum(r => confusion[r][c]);
                    if (actual == 0)
                    {
                        continue; // classes absent from the scored set do not count towards the macro mean
                    }

                    present++;
                    f1Sum += actual + called == 0 ? 0 : 2.0 * tp / (actual + called);
                }

                return report with { MacroF1 = present == 0 ? 0 : f1Sum / present };
        }
    }

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;

    private static int ArgMax(float[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        return best;
    }
}
