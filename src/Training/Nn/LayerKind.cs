namespace HeartStream.Training.Nn;

/// <summary>What a layer computes; exporters switch on this and read the typed properties of the concrete layer.</summary>
public enum LayerKind
{
    Sequential,
    Conv1d,
    BatchNorm1d,
    Relu,
    Gelu,
    Dropout,
    MaxPool1d,
    Upsample1d,
    GlobalAvgPool1d,
    Linear,
    ResidualAdd,
    ConcatSkip,
}
