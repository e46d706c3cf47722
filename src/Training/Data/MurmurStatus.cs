namespace HeartStream.Training.Data;

/// <summary>CirCor's patient-level murmur label (the "Murmur" column of training_data.csv).</summary>
public enum MurmurStatus
{
    Present,
    Absent,

    /// <summary>The annotator could not decide (usually poor signal quality).</summary>
    Unknown,
}
