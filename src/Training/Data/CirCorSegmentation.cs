using HeartStream.Pipeline;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Data;

/// <summary>
/// Reads CirCor segmentation files (<c>&lt;recording&gt;.tsv</c>: start_s, end_s, state per line, tab-separated) and turns
/// them into the targets the trainer and the scorer need: per-frame state labels and reference heart sounds.
/// </summary>
public static class CirCorSegmentation
{
    /// <summary>Label of a frame with no annotation (state 0, a gap, or past the last segment).</summary>
    public const sbyte UnannotatedLabel = -1;

    /// <summary>Reads and validates one .tsv file; errors name the file and line.</summary>
    public static IReadOnlyList<CirCorSegment> Read(string tsvPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(tsvPath);
        var segments = new List<CirCorSegment>();
        foreach (DelimitedRow row in DelimitedFile.Read(tsvPath, '\t'))
        {
            if (row.Fields.Length != 3)
            {
                throw DelimitedFile.Error(tsvPath, row.LineNumber, $"expected 3 tab-separated fields (start_s, end_s, state) but found {row.Fields.Length}");
            }

            double start = DelimitedFile.ParseDouble(tsvPath, row.LineNumber, row.Fields[0], "start");
            double end = DelimitedFile.ParseDouble(tsvPath, row.LineNumber, row.Fields[1], "end");
            int state = DelimitedFile.ParseInt(tsvPath, row.LineNumber, row.Fields[2], "state");
            if (start < 0 || end < start)
            {
                throw DelimitedFile.Error(tsvPath, row.LineNumber, $"interval [{row.Fields[0]}, {row.Fields[1]}] must have 0 <= start <= end");
            }

            if (state is < CirCorSegment.Unannotated or > CirCorSegment.Diastole)
            {
                throw DelimitedFile.Error(tsvPath, row.LineNumber, $"state {state} must be 0..4 (0 none, 1 S1, 2 systole, 3 S2, 4 diastole)");
            }

            segments.Add(new CirCorSegment(start, end, state));
        }

        return segments;
    }

    /// <summary>
    /// Per-frame labels at <see cref="AnalysisRate.FrameRate"/> frames/s: frame i covers [i/50, (i+1)/50) s and takes the
    /// <see cref="HeartState"/> (0..3) of the segment containing its centre, or <see cref="UnannotatedLabel"/> when that
    /// is state 0 or no segment. Where segments overlap slightly (the files have sub-millisecond overlaps), the later wins.
    /// </summary>
    /// <param name="frameCount">Frames wanted, normally from the audio length; frames past the last segment are unannotated.</param>
    public static sbyte[] ToFrameLabels(IReadOnlyList<CirCorSegment> segments, int frameCount)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        var labels = new sbyte[frameCount];
        Array.Fill(labels, UnannotatedLabel);
        const double frameSeconds = 1.0 / AnalysisRate.FrameRate;
        foreach (CirCorSegment segment in segments)
        {
            // Frames whose centre (i + 0.5) / rate lies in [start, end).
            int first = Math.Max(0, (int)Math.Ceiling((segment.StartSeconds * AnalysisRate.FrameRate) - 0.5));
            int last = Math.Min(frameCount - 1, (int)Math.Ceiling((segment.EndSeconds * AnalysisRate.FrameRate) - 0.5) - 1);
            sbyte label = segment.IsAnnotated ? (sbyte)(segment.State - 1) : UnannotatedLabel;
            for (int i = first; i <= last; i++)
            {
                double centre = (i + 0.5) * frameSeconds;
                if (centre >= segment.StartSeconds && centre < segment.EndSeconds)
                {
                    labels[i] = label;
                }
            }
        }

        return labels;
    }

    /// <summary>Frame labels covering up to the end of the last segment.</summary>
    public static sbyte[] ToFrameLabels(IReadOnlyList<CirCorSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        double end = 0;
        foreach (CirCorSegment segment in segments)
        {
            end = Math.Max(end, segment.EndSeconds);
        }

        return ToFrameLabels(segments, (int)Math.Ceiling(end * AnalysisRate.FrameRate));
    }

    /// <summary>Reference sounds: every state-1 segment is an S1, every state-3 segment an S2, in time order.</summary>
    public static IReadOnlyList<HeartSound> ToHeartSounds(IReadOnlyList<CirCorSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var sounds = new List<HeartSound>();
        foreach (CirCorSegment segment in segments)
        {
            if (segment.State == CirCorSegment.S1)
            {
                sounds.Add(new HeartSound(SoundType.S1, segment.StartSeconds, segment.EndSeconds));
            }
            else if (segment.State == CirCorSegment.S2)
            {
                sounds.Add(new HeartSound(SoundType.S2, segment.StartSeconds, segment.EndSeconds));
            }
        }

        sounds.Sort((a, b) => a.StartSeconds.CompareTo(b.StartSeconds));
        return sounds;
    }

    /// <summary>
    /// [start of the first annotated segment, end of the last annotated segment]; null when nothing is annotated.
    /// Interior state-0 stretches stay inside the span (they are rare and short).
    /// </summary>
    public static AnnotatedSpan? AnnotatedSpan(IReadOnlyList<CirCorSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        double start = double.PositiveInfinity;
        double end = double.NegativeInfinity;
        foreach (CirCorSegment segment in segments)
        {
            if (segment.IsAnnotated)
            {
                start = Math.Min(start, segment.StartSeconds);
                end = Math.Max(end, segment.EndSeconds);
            }
        }

        return double.IsFinite(start) ? new AnnotatedSpan(start, end) : null;
    }
}
