using System.Globalization;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>A murmur decision for one auscultation location (CirCor's patient classes).</summary>
public enum MurmurCall
{
    Absent,
    Unknown,
    Present,
}

/// <summary>
/// How the posteriors of a murmur frame model become a recording score, a probability and a decision; chosen by the
/// trainer on out-of-fold predictions only and shipped in the model's manifest, so `analyze`, the live service and the
/// cross-validation apply the very same rule.
/// <list type="bullet">
/// <item>Score: the share of the posterior mass between the heart sounds (systole + diastole + murmur) that the model
/// gives to murmur, over the frames heard.</item>
/// <item>Decision: Present at or above <see cref="PresentAt"/>, Unknown at or above <see cref="UnknownAt"/>, else
/// Absent (thresholds maximise the 2022 challenge's weighted accuracy on out-of-fold patient scores); "cannot tell"
/// (Unknown, no probability) below <see cref="MinHeardSeconds"/> of audio or <see cref="MinConfidence"/>.</item>
/// <item>Probability: logistic calibration of Present against Absent on logit(score), fitted on out-of-fold patient
/// scores at <see cref="TrainingPrevalence"/>, then moved to <see cref="PopulationPrevalence"/> (Bayes' rule on the
/// odds), so 0.5 means an even chance in a population where that share of patients has a murmur.</item>
/// </list>
/// </summary>
public sealed record MurmurRule
{
    private const double ScoreFloor = 1e-4;

    /// <summary>Output class of murmur frames.</summary>
    public int MurmurClass { get; init; } = 4;

    /// <summary>Output class of systole frames.</summary>
    public int SystoleClass { get; init; } = 1;

    /// <summary>Output class of diastole frames.</summary>
    public int DiastoleClass { get; init; } = 3;

    /// <summary>Scores at or above this (and below <see cref="PresentAt"/>) are Unknown.</summary>
    public required double UnknownAt { get; init; }

    /// <summary>Scores at or above this are Present.</summary>
    public required double PresentAt { get; init; }

    /// <summary>Slope of logit P(Present) on logit(score), at the training prevalence.</summary>
    public required double CalibrationSlope { get; init; }

    /// <summary>Intercept of logit P(Present) on logit(score), at the training prevalence.</summary>
    public required double CalibrationIntercept { get; init; }

    /// <summary>Share of Present among the Present and Absent patients the calibration was fitted on.</summary>
    public required double TrainingPrevalence { get; init; }

    /// <summary>Share of patients with a murmur in the population served (CirCor: about 19 %).</summary>
    public double PopulationPrevalence { get; init; } = 0.19;

    /// <summary>Audio a decision needs, seconds; less is "cannot tell".</summary>
    public double MinHeardSeconds { get; init; } = 15;

    /// <summary>Mean top frame posterior a decision needs (the model's confidence that it hears a heart); less is "cannot tell".</summary>
    public double MinConfidence { get; init; }

    /// <summary>Recording score from summed posterior masses; 0 when there is no mass between the sounds.</summary>
    public static double Score(double murmurMass, double betweenMass) => betweenMass > 0 ? murmurMass / betweenMass : 0;

    /// <summary>P(Present) for <paramref name="score"/> at <see cref="PopulationPrevalence"/>.</summary>
    public double Probability(double score)
    {
        double s = Math.Clamp(score, ScoreFloor, 1 - ScoreFloor);
        double logit = (CalibrationSlope * Math.Log(s / (1 - s))) + CalibrationIntercept
            + Math.Log(PopulationPrevalence / (1 - PopulationPrevalence))
            - Math.Log(TrainingPrevalence / (1 - TrainingPrevalence));
        return 1 / (1 + Math.Exp(-logit));
    }

    /// <summary>The decision for a score heard over enough audio with enough confidence.</summary>
    public MurmurCall Decide(double score) =>
        score >= PresentAt ? MurmurCall.Present : score >= UnknownAt ? MurmurCall.Unknown : MurmurCall.Absent;

    /// <summary>Whether <paramref name="seconds"/> of audio at <paramref name="confidence"/> are enough to decide.</summary>
    public bool CanTell(double seconds, double confidence) => seconds >= MinHeardSeconds && confidence >= MinConfidence;

    /// <summary>What is wrong with the rule, or null.</summary>
    public string? Problem()
    {
        if (!(UnknownAt >= 0 && UnknownAt <= PresentAt && PresentAt <= 1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"thresholds must satisfy 0 <= unknownAt <= presentAt <= 1; got {UnknownAt} and {PresentAt}");
        }

        if (!double.IsFinite(CalibrationSlope) || !double.IsFinite(CalibrationIntercept))
        {
            return "calibration slope and intercept must be finite";
        }

        if (!(TrainingPrevalence is > 0 and < 1) || !(PopulationPrevalence is > 0 and < 1))
        {
            return "prevalences must lie strictly between 0 and 1";
        }

        if (!(MinHeardSeconds >= 0) || !(MinConfidence is >= 0 and <= 1))
        {
            return "minHeardSeconds must be >= 0 and minConfidence 0..1";
        }

        int[] classes = [MurmurClass, SystoleClass, DiastoleClass];
        return classes.Any(c => c < 0) || classes.Distinct().Count() != 3 ? "murmur, systole and diastole classes must be distinct and not negative" : null;
    }
}
