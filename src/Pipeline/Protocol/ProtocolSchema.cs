namespace HeartStream.Pipeline.Protocol;

/// <summary>Schema version written into every JSON payload; bump on any incompatible change.</summary>
public static class ProtocolSchema
{
    /// <summary>The current (and only) schema version.</summary>
    public const int Version = 1;
}
