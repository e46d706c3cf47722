using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Tests.Evaluation;

public sealed class SegmentationScorerPropertyTests
{
    [Fact]
    public void Score_RandomSmallInputs_EqualsBruteForceMaximumMatching()
    {
        // Times on a 30 ms grid so that many detections compete for the same reference within the 100 ms tolerance.
        Prop.ForAll<byte[], byte[]>((refSlots, detSlots) =>
        {
            double[] refs = [.. refSlots.Take(8).Select(s => (s % 40) * 0.03)];
            double[] dets = [.. detSlots.Take(8).Select(s => (s % 40) * 0.03)];
            SoundScores scores = SegmentationScorer.Score(
                [.. refs.Select(t => new HeartSound(SoundType.S1, t, t))],
                [.. dets.Select(t => new HeartSound(SoundType.S1, t, t))],
                0.1);
            return scores.S1.Matched == BruteForceMaximum(refs, dets, 0.1)
                && scores.S1.References == refs.Length
                && scores.S1.Detections == dets.Length;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Maximum bipartite matching by augmenting paths (Kuhn's algorithm): slow, obviously correct.</summary>
    private static int BruteForceMaximum(double[] refs, double[] dets, double tolerance)
    {
        int[] owner = Enumerable.Repeat(-1, dets.Length).ToArray();
        int matched = 0;
        for (int r = 0; r < refs.Length; r++)
        {
            if (TryAugment(r, new bool[dets.Length]))
            {
                matched++;
            }
        }

        return matched;

        bool TryAugment(int r, bool[] visited)
        {
            for (int d = 0; d < dets.Length; d++)
            {
                if (visited[d] || Math.Abs(refs[r] - dets[d]) > tolerance + 1e-9)
                {
                    continue;
                }

                visited[d] = true;
                if (owner[d] < 0 || TryAugment(owner[d], visited))
                {
                    owner[d] = r;
                    return true;
                }
            }

            return false;
        }
    }
}
