using HeartStream.Pipeline.Live;
using System.Globalization;
using HeartStream.Training.Data;

namespace HeartStream.Trainer.Murmur;

/// <summary>
/// A patient's murmur evidence: the highest recording score over the auscultation locations; NaN when no recording
/// could tell (too short, or no clear heart sounds), which decides Unknown.
/// </summary>
public sealed record PatientScore(string Patient, MurmurStatus Truth, double Score, int Fold);

/// <summary>Patient rule: Present at or above <see cref="Present"/>, Unknown at or above <see cref="Unknown"/>, else Absent.</summary>
public sealed record MurmurThresholds(double Unknown, double Present)
{
    public MurmurStatus Decide(double score) => double.IsNaN(score) ? MurmurStatus.Unknown : score >= Present ? MurmurStatus.Present : score >= Unknown ? MurmurStatus.Unknown : MurmurStatus.Absent;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"unknown >= {Unknown:0.0000}, present >= {Present:0.0000}");
}

/// <summary>Murmur figures over a set of patients (CirCor 2022 challenge definitions).</summary>
public sealed record MurmurFigures(double WeightedAccuracy, double SePresent, double SpAbsent, double Auroc, int Patients, int[,] Confusion)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"weighted accuracy {WeightedAccuracy:0.000}, Se(Present) {SePresent:0.000}, Sp(Absent) {SpAbsent:0.000}, AUROC {Auroc:0.000} ({Patients} patients)");
}

public static class MurmurDecision
{
    /// <summary>
    /// A recording's murmur evidence from frame posteriors [classes, frames]: the share of the posterior mass between
    /// the heart sounds (systole + diastole + murmur) that the model gives to murmur. 0 for a recording with none.
    /// </summary>
    public static double RecordingScore(ReadOnlySpan<float> posteriors, int frames) => Evidence(posteriors, frames).Score;

    /// <summary>The served evidence (<see cref="MurmurEvidence"/>) of a recording's posteriors [classes, frames], as the service sums it.</summary>
    public static MurmurEvidence Evidence(ReadOnlySpan<float> posteriors, int frames) =>
        MurmurEvidence.Of(posteriors, frames, MurmurFrameLabels.Classes, MurmurFrameLabels.Murmur, MurmurFrameLabels.Systole, MurmurFrameLabels.Diastole);

    /// <summary>
    /// Weighted accuracy of the 2022 challenge: correct decisions weighted 5 (Present), 3 (Unknown), 1 (Absent) by the
    /// true class, over the same weights of all patients.
    /// </summary>
    public static double WeightedAccuracy(IEnumerable<(MurmurStatus Truth, MurmurStatus Decision)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        double num = 0, den = 0;
        foreach ((MurmurStatus truth, MurmurStatus decision) in pairs)
        {
            double w = Weight(truth);
            den += w;
            if (truth == decision)
            {
                num += w;
            }
        }

        return den == 0 ? double.NaN : num / den;
    }

    /// <summary>Area under the ROC curve of Present (positive) against Absent by score; ties count one half.</summary>
    public static double Auroc(IReadOnlyList<PatientScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        double[] pos = [.. scores.Where(s => s.Truth == MurmurStatus.Present && !double.IsNaN(s.Score)).Select(s => s.Score)];
        double[] neg = [.. scores.Where(s => s.Truth == MurmurStatus.Absent && !double.IsNaN(s.Score)).Select(s => s.Score)];
        if (pos.Length == 0 || neg.Length == 0)
        {
            return double.NaN;
        }

        double wins = 0;
        foreach (double p in pos)
        {
            foreach (double n in neg)
            {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }

        return wins / ((double)pos.Length * neg.Length);
    }

    /// <summary>The thresholds that maximise weighted accuracy on <paramref name="calibration"/> (ties: the lower pair).</summary>
    public static MurmurThresholds Choose(IReadOnlyList<PatientScore> calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Count == 0)
        {
            throw new ArgumentException("No patients to choose thresholds on.", nameof(calibration));
        }

        double[] cuts = [.. calibration.Select(s => s.Score).Where(s => !double.IsNaN(s)).Append(double.PositiveInfinity).Distinct().Order()];
        double best = double.NegativeInfinity;
        var chosen = new MurmurThresholds(cuts[0], cuts[0]);
        for (int i = 0; i < cuts.Length; i++)
        {
            for (int j = i; j < cuts.Length; j++)
            {
                var t = new MurmurThresholds(cuts[i], cuts[j]);
                double wa = WeightedAccuracy(calibration.Select(s => (s.Truth, t.Decide(s.Score))));
                if (wa > best + 1e-12)
                {
                    best = wa;
                    chosen = t;
                }
            }
        }

        return chosen;
    }

    public static MurmurFigures Figures(IReadOnlyList<PatientScore> scores, Func<PatientScore, MurmurThresholds> thresholds)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(thresholds);
        var confusion = new int[3, 3]; // [truth, decision] in enum order Present, Absent, Unknown
        var pairs = new List<(MurmurStatus, MurmurStatus)>(scores.Count);
        int present = 0, presentHit = 0, absent = 0, absentHit = 0;
        foreach (PatientScore s in scores)
        {
            MurmurStatus d = thresholds(s).Decide(s.Score);
            pairs.Add((s.Truth, d));
            confusion[(int)s.Truth, (int)d]++;
            if (s.Truth == MurmurStatus.Present)
            {
                present++;
                presentHit += d == MurmurStatus.Present ? 1 : 0;
            }
            else if (s.Truth == MurmurStatus.Absent)
            {
                absent++;
                absentHit += d != MurmurStatus.Present ? 1 : 0;
            }
        }

        return new MurmurFigures(
            WeightedAccuracy(pairs),
            present == 0 ? double.NaN : (double)presentHit / present,
            absent == 0 ? double.NaN : (double)absentHit / absent,
            Auroc(scores),
            scores.Count,
            confusion);
    }

    private static double Weight(MurmurStatus truth) => truth switch
    {
        MurmurStatus.Present => 5,
        MurmurStatus.Unknown => 3,
        _ => 1,
    };
}
