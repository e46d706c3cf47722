using HeartStream.Pipeline.Live;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Hot reload of a live classifier from a registry copied from the shipped models: a new version (the same real network
/// published as 1.0.1) reaches devices created afterwards, a corrupt one is rejected and the running version stays.
/// </summary>
public sealed class ClassifierHotReloadTests
{
    [Theory]
    [InlineData("classifier-murmur")]   // frame classifier
    [InlineData("classifier-abnormal")] // window classifier
    public void TryReload_GoodThenCorrupt_NewDevicesGetGoodAndCorruptIsRejected(string name)
    {
        using var registry = new RegistryCopy(name);
        using var factory = new LiveClassifierFactory([LiveClassifierModel.LoadAny(registry.Registry, registry.Name)]);
        ILiveClassifier before = factory.Create("bed-1")[0];
        registry.Publish("1.0.1", corrupt: false, makeCurrent: false);
        registry.Publish("1.0.2", corrupt: true, makeCurrent: false);

        bool good = factory.TryReload(registry.Registry, registry.Name, "1.0.1", out string goodMessage);
        bool bad = factory.TryReload(registry.Registry, registry.Name, "1.0.2", out string badMessage);
        ILiveClassifier after = factory.Create("bed-2")[0];

        Assert.True(good, goodMessage);
        Assert.False(bad);
        Assert.Contains($"keeping {name} 1.0.1", badMessage, StringComparison.Ordinal);
        Assert.Equal($"{name} 1.0.0", before.Identity);
        Assert.Equal($"{name} 1.0.1", after.Identity);
        Assert.Equal(before.GetType(), after.GetType());
    }
}
