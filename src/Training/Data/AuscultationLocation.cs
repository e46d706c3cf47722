namespace HeartStream.Training.Data;

/// <summary>Where on the chest a CirCor recording was taken (the suffix of its file name, e.g. 13918_AV.wav).</summary>
public enum AuscultationLocation
{
    /// <summary>Aortic valve.</summary>
    AV,

    /// <summary>Pulmonary valve.</summary>
    PV,

    /// <summary>Tricuspid valve.</summary>
    TV,

    /// <summary>Mitral valve.</summary>
    MV,

    /// <summary>Any other location (CirCor's "Phc").</summary>
    Phc,
}
