using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

public sealed class SegmenterParametersTests
{
    private static SegmenterParameters Sample() => SegmenterParameters.FromModel(
        new LogisticEmissionModel([0.5, 1, -2, 0.25, 3, -1.5, 0.125, 2, 0.1, -0.2, 0.3, -0.4, 0.5, 0.6, -0.7, 0.8, 0.9, 1.1, -1.2, 1.3], 4),
        new DurationParameters { S1MeanSeconds = 0.13, DiastoleSdFraction = 0.05 }) with
    { StatePriors = [0.1, 0.4, 0.1, 0.4] };

    [Fact]
    public void ToJson_RoundTrip_PreservesEverything()
    {
        SegmenterParameters original = Sample();

        SegmenterParameters loaded = SegmenterParameters.FromJson(original.ToJson());

        Assert.Equal(SegmenterParameters.CurrentVersion, loaded.Version);
        Assert.Equal(original.Channels, loaded.Channels);
        Assert.Equal(original.Weights, loaded.Weights);
        Assert.Equal(original.StatePriors, loaded.StatePriors);
        Assert.Equal(original.Durations, loaded.Durations);
        Assert.Equal(original.MaxBpm, loaded.MaxBpm);
        Assert.Equal(original.CreateModel().GetWeights(), loaded.CreateModel().GetWeights());
    }

    [Fact]
    public void SaveLoad_File_RoundTrips()
    {
        string path = Path.Combine(Path.GetTempPath(), $"segmenter-{Guid.NewGuid():N}.json");
        try
        {
            Sample().Save(path);
            Assert.Equal(Sample().Weights, SegmenterParameters.Load(path).Weights);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromJson_WrongVersion_ThrowsNamingTheVersion()
    {
        string json = Sample().ToJson().Replace("\"version\": 1", "\"version\": 99", StringComparison.Ordinal);

        Assert.Contains("version 99", Assert.Throws<InvalidDataException>(() => SegmenterParameters.FromJson(json)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_WrongWeightCountOrGarbage_ThrowsInvalidData()
    {
        Assert.Contains("weights", Assert.Throws<InvalidDataException>(() => SegmenterParameters.FromJson("{\"version\":1,\"channels\":4,\"weights\":[1,2]}")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => SegmenterParameters.FromJson("{not json"));
        Assert.Throws<InvalidDataException>(() => SegmenterParameters.FromJson("null"));
    }
}
