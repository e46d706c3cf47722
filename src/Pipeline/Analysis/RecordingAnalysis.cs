using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Analysis;

/// <summary>What <see cref="RecordingAnalyzer"/> found in one recording.</summary>
public sealed record RecordingAnalysis(
    AnalysisStatus Status,
    double DurationSeconds,
    int SourceSampleRate,
    SignalCheck Signal,
    IReadOnlyList<HeartSound> Sounds,
    HeartRateEstimate HeartRate,
    IReadOnlyList<string> Warnings)
{
    public int S1Count => Sounds.Count(s => s.Type == SoundType.S1);

    public int S2Count => Sounds.Count(s => s.Type == SoundType.S2);

    /// <summary>Heart rate from the median interval between consecutive detected S1 centres; null with fewer than 3 S1s.</summary>
    public double? BeatHeartRateBpm
    {
        get
        {
            var centres = Sounds.Where(s => s.Type == SoundType.S1).Select(s => s.CentreSeconds).ToArray();
            if (centres.Length < 3)
            {
                return null;
            }

            var intervals = new double[centres.Length - 1];
            for (int i = 1; i < centres.Length; i++)
            {
                intervals[i - 1] = centres[i] - centres[i - 1];
            }

            Array.Sort(intervals);
            double median = intervals.Length % 2 == 1
                ? intervals[intervals.Length / 2]
                : 0.5 * (intervals[(intervals.Length / 2) - 1] + intervals[intervals.Length / 2]);
            return median > 0 ? 60.0 / median : null;
        }
    }
}
