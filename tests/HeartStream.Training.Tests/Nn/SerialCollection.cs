namespace HeartStream.Training.Tests.Nn;

/// <summary>Tests in this collection run alone, so throughput figures are not diluted by other tests' threads.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Nn serial (timing)";
}
