namespace HeartStream.Training.Models;

/// <summary>The recording classification tasks, each with its data set, classes and headline metric.</summary>
public enum ClassificationTask
{
    /// <summary>PhysioNet/CinC 2016 normal vs abnormal; headline MAcc = (Se + Sp) / 2.</summary>
    Abnormal,

    /// <summary>CirCor 2022 murmur Present / Unknown / Absent; headline weighted accuracy at patient level (5/3/1).</summary>
    Murmur,

    /// <summary>PASCAL 2011 sets A and B, five classes; headline macro F1.</summary>
    Pascal,
}
