namespace HeartStream.Training.Data;

/// <summary>The public heart-sound data sets HeartStream trains and evaluates on (see ../shared/data/README.md).</summary>
public enum DatasetKind
{
    /// <summary>PhysioNet/CinC Challenge 2016, training-a..d: 2000 Hz, normal/abnormal labels, no segmentation.</summary>
    PhysioNet2016,

    /// <summary>CirCor DigiScope 2022 (PhysioNet 2022 training set): 4000 Hz, murmur labels, per-recording segmentation.</summary>
    CirCor,

    /// <summary>PASCAL Classifying Heart Sounds Challenge 2011, sets A and B: 4000 Hz, class labels, S1/S2 marks for 21 set A files.</summary>
    Pascal,
}
