namespace HeartStream.Pipeline.Segmentation;

/// <summary>Output of <see cref="SpringerSegmenter"/>: one state per frame, the S1/S2 sounds and the heart rate used.</summary>
public sealed record SegmentationResult(IReadOnlyList<HeartState> States, IReadOnlyList<HeartSound> Sounds, HeartRateEstimate HeartRate);
