using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;

namespace HeartStream.Training.Evaluation;

/// <summary>
/// Builds the segmentation evaluation sets from a data folder laid out like ../shared/data: CirCor recordings with
/// their expert-corrected state segmentations (scored inside the annotated span), and the PASCAL set A recordings
/// with hand-placed S1/S2 marks (points; scored between the first and last mark, widened by the tolerance, because
/// the marking stops before the recording ends).
/// </summary>
public static class SegmentationCases
{
    public static IReadOnlyList<SegmentationBenchmarkCase> CirCor(string dataRoot, SplitPart? part)
    {
        var recordings = CirCorReader.Read(dataRoot);
        var result = new List<SegmentationBenchmarkCase>();
        foreach (SplitAssignment a in PatientSplit.Assign(recordings))
        {
            if ((part is not null && a.Part != part) || a.Recording.AnnotationPath is null)
            {
                continue;
            }

            var segments = CirCorSegmentation.Read(a.Recording.AnnotationPath);
            AnnotatedSpan? span = CirCorSegmentation.AnnotatedSpan(segments);
            if (span is null)
            {
                continue;
            }

            result.Add(new SegmentationBenchmarkCase(a.Recording, CirCorSegmentation.ToHeartSounds(segments), span.Value));
        }

        return result;
    }

    /// <summary>PASCAL set A marks. Every marked recording is its own patient and none is used in training, so the split is ignored.</summary>
    public static IReadOnlyList<SegmentationBenchmarkCase> Pascal(string dataRoot, double toleranceSeconds)
    {
        var marks = PascalTiming.Read(dataRoot);
        var result = new List<SegmentationBenchmarkCase>();
        foreach (RecordingInfo r in PascalReader.Read(dataRoot))
        {
            if (!marks.TryGetValue(r.Id, out IReadOnlyList<HeartSound>? reference) || reference.Count == 0)
            {
                continue;
            }

            double first = reference.Min(s => s.CentreSeconds) - toleranceSeconds;
            double last = reference.Max(s => s.CentreSeconds) + toleranceSeconds;
            result.Add(new SegmentationBenchmarkCase(r, reference, new AnnotatedSpan(Math.Max(0, first), last)));
        }

        return result;
    }
}
