using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Hot reload of a live classifier from a registry copied from the shipped models: a new version (the same real network
/// published as 1.0.1) reaches devices created afterwards, a corrupt one is rejected and the running version stays.
/// </summary>
public sealed class ClassifierHotReloadTests : IDisposable
{
    private readonly RegistryCopy _registry = new("classifier-murmur");

    public void Dispose() => _registry.Dispose();

    [Fact]
    public void TryReload_GoodThenCorrupt_NewDevicesGetGoodAndCorruptIsRejected()
    {
        using var factory = new LiveClassifierFactory([LiveClassifierModel.Load(_registry.Registry.Resolve(_registry.Name, FeatureSettings.Default.Hash()))]);
        LiveWindowClassifier before = factory.Create("bed-1")[0];
        _registry.Publish("1.0.1", corrupt: false, makeCurrent: false);
        _registry.Publish("1.0.2", corrupt: true, makeCurrent: false);

        bool good = factory.TryReload(_registry.Registry, _registry.Name, "1.0.1", out string goodMessage);
        bool bad = factory.TryReload(_registry.Registry, _registry.Name, "1.0.2", out string badMessage);
        LiveWindowClassifier after = factory.Create("bed-2")[0];

        Assert.True(good, goodMessage);
        Assert.False(bad);
        Assert.Contains("keeping classifier-murmur 1.0.1", badMessage, StringComparison.Ordinal);
        Assert.Equal("classifier-murmur 1.0.0", before.Model.Identity);
        Assert.Equal("classifier-murmur 1.0.1", after.Model.Identity);
    }
}
