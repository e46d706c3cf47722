namespace HeartStream.Training.Data;

/// <summary>
/// One line of a CirCor segmentation .tsv: an interval and its state as written in the file
/// (0 = not annotated, 1 = S1, 2 = systole, 3 = S2, 4 = diastole; <see cref="Pipeline.Segmentation.HeartState"/> is this minus one).
/// </summary>
public readonly record struct CirCorSegment(double StartSeconds, double EndSeconds, int State)
{
    public const int Unannotated = 0;
    public const int S1 = 1;
    public const int Systole = 2;
    public const int S2 = 3;
    public const int Diastole = 4;

    public bool IsAnnotated => State != Unannotated;
}
