namespace HeartStream.Training.Data;

/// <summary>
/// Metadata of one recording of one of the public data sets: where its audio is and what is known about it. Audio is
/// read later (by the Capture WAV reader), so readers of metadata stay fast and never touch the large files.
/// Labels a data set does not have are null.
/// </summary>
/// <remarks>
/// <see cref="PatientId"/> is the unit of every split (a patient's recordings never straddle train and test):
/// <list type="bullet">
/// <item>PhysioNet 2016: the data carry no patient identity, so each recording is its own patient (its record name).</item>
/// <item>CirCor: the Patient ID of training_data.csv; a child recorded in both campaigns has two IDs linked by the
/// "Additional ID" column, and both map to the smaller of the two so the two visits stay on one side.</item>
/// <item>PASCAL set A: no patient identity, each recording is its own patient (its file stem).</item>
/// <item>PASCAL set B: the patient number embedded in the file name ("normal__127_1306..._A.wav" is patient "127").</item>
/// </list>
/// </remarks>
public sealed record RecordingInfo
{
    public required DatasetKind Dataset { get; init; }

    /// <summary>Recording name, unique within its data set: "a0001", "13918_AV", "normal__201102081321".</summary>
    public required string Id { get; init; }

    /// <summary>The patient the recording belongs to (see the remarks on this type for how it is derived).</summary>
    public required string PatientId { get; init; }

    /// <summary>Absolute path of the .wav file.</summary>
    public required string WavPath { get; init; }

    /// <summary>The data set's own sub-folder: "training-a".."training-d", "training_data", "set_a", "set_b".</summary>
    public required string SubSet { get; init; }

    /// <summary>PhysioNet 2016: REFERENCE.csv 1 (abnormal) / -1 (normal). CirCor: the patient's clinical Outcome.</summary>
    public bool? Abnormal { get; init; }

    /// <summary>PhysioNet 2016 REFERENCE-SQI.csv: true = usable quality, false = unsure/noisy.</summary>
    public bool? SignalQualityUsable { get; init; }

    /// <summary>CirCor patient-level murmur label.</summary>
    public MurmurStatus? Murmur { get; init; }

    /// <summary>PASCAL class label.</summary>
    public PascalClass? PascalClass { get; init; }

    /// <summary>PASCAL set B sublabel: true for noisynormal/noisymurmur, false otherwise (null for set A, which has none).</summary>
    public bool? Noisy { get; init; }

    /// <summary>CirCor auscultation site.</summary>
    public AuscultationLocation? Location { get; init; }

    /// <summary>CirCor: the segmentation .tsv beside the .wav (null when absent or for other data sets).</summary>
    public string? AnnotationPath { get; init; }

    /// <summary>CirCor: whether the patient's murmur is heard at this recording's location (null: not CirCor, or no murmur).</summary>
    public bool? MurmurHeardHere { get; init; }

    /// <summary>CirCor: the patient's systolic murmur timing (Early-, Mid-, Late-systolic, Holosystolic), null when none.</summary>
    public string? SystolicMurmurTiming { get; init; }

    /// <summary>CirCor: the patient's diastolic murmur timing, null when none.</summary>
    public string? DiastolicMurmurTiming { get; init; }
}
