namespace HeartStream.Training.Data;

/// <summary>Which side of a train/validation/test split a recording is on.</summary>
public enum SplitPart
{
    Train,
    Val,
    Test,
}
