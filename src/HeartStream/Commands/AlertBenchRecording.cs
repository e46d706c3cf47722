namespace HeartStream.Commands;

/// <summary>
/// One recording labelled normal for <see cref="AlertBench"/>: its data set, the patient's age group (from the data
/// set's metadata, or "adult"/"unknown" where it has none), the alert profile that fits that age, and the S1/S2
/// annotation file where the data set has one (CirCor <c>.tsv</c>), for the annotation-derived heart rate.
/// </summary>
internal sealed record AlertBenchRecording(string Set, string Path, string AgeGroup, string Profile, string? AnnotationPath);
