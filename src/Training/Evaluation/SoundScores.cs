namespace HeartStream.Training.Evaluation;

/// <summary>Segmentation scores of one recording (or pooled over many): S1 and S2 matched separately, "both" as their sum.</summary>
public readonly record struct SoundScores(MatchCounts S1, MatchCounts S2)
{
    /// <summary>Both sounds: the sum of the S1 and S2 matchings' counts (a detection only ever matches a reference of its own type).</summary>
    public MatchCounts Both => S1 + S2;

    public static SoundScores operator +(SoundScores left, SoundScores right) => new(left.S1 + right.S1, left.S2 + right.S2);

    public static SoundScores Add(SoundScores left, SoundScores right) => left + right;
}
