namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// The four states of the cardiac cycle as the segmenter sees it, in cycle order (S1 -> systole -> S2 -> diastole -> S1).
/// CirCor's .tsv files number them 1..4 (0 = not annotated); here they are 0..3 so they index arrays directly.
/// </summary>
public enum HeartState : byte
{
    S1 = 0,
    Systole = 1,
    S2 = 2,
    Diastole = 3,
}
