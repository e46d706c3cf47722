using System.Collections.Concurrent;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>Makes <see cref="FakeAnalyzer"/>s and keeps them by device, so tests can compare what was emitted.</summary>
internal sealed class FakeAnalyzerFactory(double failAfterSeconds = double.PositiveInfinity) : IDeviceAnalyzerFactory
{
    public ConcurrentDictionary<string, FakeAnalyzer> Created { get; } = new();

    public IDeviceAnalyzer Create(string deviceId, int sampleRate)
    {
        var analyzer = new FakeAnalyzer(sampleRate, failAfterSeconds: failAfterSeconds);
        Created[deviceId] = analyzer;
        return analyzer;
    }
}
