namespace HeartStream.Pipeline.Analysis;

/// <summary>The verdict on one recording: segmented, or why not.</summary>
public enum AnalysisStatus
{
    /// <summary>Segmented; sounds and heart rate are reported.</summary>
    Ok,

    /// <summary>Peak below <see cref="SignalCheck.SilentPeakDbfs"/>: nothing to segment.</summary>
    Silent,

    /// <summary>Shorter than <see cref="RecordingAnalyzer.MinimumSeconds"/>: less than one heart cycle.</summary>
    TooShort,
}
