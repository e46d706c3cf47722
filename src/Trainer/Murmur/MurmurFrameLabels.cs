using HeartStream.Training.Data;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// Frame targets of the murmur frame model: the CirCor segmentation's S1 / systole / S2 / diastole (0..3) plus
/// <see cref="Murmur"/> (4), the part of each annotated systole (or diastole) where the patient's murmur sounds, by
/// the annotated timing, only at the locations where the murmur is heard (the 2022 challenge approach). Frames without
/// annotation stay <see cref="CirCorSegmentation.UnannotatedLabel"/> and are ignored by the loss.
/// </summary>
public static class MurmurFrameLabels
{
    public const int S1 = 0;
    public const int Systole = 1;
    public const int S2 = 2;
    public const int Diastole = 3;
    public const int Murmur = 4;
    public const int Classes = 5;

    public static readonly string[] Names = ["S1", "systole", "S2", "diastole", "murmur"];

    /// <summary>
    /// The part [from, to) of a phase of <paramref name="length"/> frames that a murmur with this timing fills:
    /// holo: all; early: the first half; mid: the middle half; late: the second half. Null for an unknown timing.
    /// </summary>
    public static (int From, int To)? Portion(string? timing, int length)
    {
        if (timing is null || length <= 0)
        {
            return null;
        }

        string t = timing.Trim().ToLowerInvariant();
        if (t.StartsWith("holo", StringComparison.Ordinal))
        {
            return (0, length);
        }

        if (t.StartsWith("early", StringComparison.Ordinal))
        {
            return (0, Math.Max(1, (length + 1) / 2));
        }

        if (t.StartsWith("mid", StringComparison.Ordinal))
        {
            int a = length / 4;
            return (a, Math.Max(a + 1, length - (length / 4)));
        }

        if (t.StartsWith("late", StringComparison.Ordinal))
        {
            return (length / 2, length);
        }

        return null;
    }

    /// <summary>
    /// Adds the murmur class to segmentation frame labels (0..3, −1) in place: systolic runs get the systolic timing's
    /// portion, diastolic runs the diastolic timing's, when <paramref name="heardHere"/>. Only runs bounded by annotated
    /// sounds on both sides are marked (a run cut by the recording's edge has an unknown length). Returns the number of
    /// frames marked.
    /// </summary>
    public static int AddMurmur(sbyte[] labels, bool heardHere, string? systolicTiming, string? diastolicTiming)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!heardHere)
        {
            return 0;
        }

        int marked = 0;
        int i = 0;
        while (i < labels.Length)
        {
            int state = labels[i];
            int j = i;
            while (j < labels.Length && labels[j] == state)
            {
                j++;
            }

            bool bounded = i > 0 && j < labels.Length && labels[i - 1] >= 0 && labels[j] >= 0;
            string? timing = state == Systole ? systolicTiming : state == Diastole ? diastolicTiming : null;
            if (bounded && timing is not null && Portion(timing, j - i) is (int from, int to))
            {
                for (int k = i + from; k < i + to; k++)
                {
                    labels[k] = Murmur;
                    marked++;
                }
            }

            i = j;
        }

        return marked;
    }
}
