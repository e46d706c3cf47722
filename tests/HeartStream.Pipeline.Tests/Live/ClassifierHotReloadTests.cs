using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Hot reload of a live classifier from a registry copied from the shipped models: a new version (the same real network
/// published as 1.0.1) reaches devices created afterwards, a corrupt one is rejected and the running version stays.
/// </summary>
public sealed class ClassifierHotReloadTests : IDisposable
{
    private const string Name = "classifier-murmur";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-clsreload-" + Guid.NewGuid().ToString("N"));

    public ClassifierHotReloadTests()
    {
        string version = new ModelRegistry(RepoPaths.Models).DefaultVersion(Name);
        Copy(Path.Combine(RepoPaths.Models, Name, version), Path.Combine(_root, Name, "1.0.0"));
        File.WriteAllText(Path.Combine(_root, Name, ModelRegistry.CurrentFileName), "1.0.0\n");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void TryReload_GoodThenCorrupt_NewDevicesGetGoodAndCorruptIsRejected()
    {
        var registry = new ModelRegistry(_root);
        using var factory = new LiveClassifierFactory([LiveClassifierModel.Load(registry.Resolve(Name, FeatureSettings.Default.Hash()))]);
        LiveWindowClassifier before = factory.Create("bed-1")[0];
        Publish("1.0.1", corrupt: false);
        Publish("1.0.2", corrupt: true);

        bool good = factory.TryReload(registry, Name, "1.0.1", out string goodMessage);
        bool bad = factory.TryReload(registry, Name, "1.0.2", out string badMessage);
        LiveWindowClassifier after = factory.Create("bed-2")[0];

        Assert.True(good, goodMessage);
        Assert.False(bad);
        Assert.Contains("keeping classifier-murmur 1.0.1", badMessage, StringComparison.Ordinal);
        Assert.Equal("classifier-murmur 1.0.0", before.Model.Identity);
        Assert.Equal("classifier-murmur 1.0.1", after.Model.Identity);
    }

    private void Publish(string version, bool corrupt)
    {
        string to = Path.Combine(_root, Name, version);
        Copy(Path.Combine(_root, Name, "1.0.0"), to);
        string manifest = Path.Combine(to, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"version\": \"1.0.0\"", $"\"version\": \"{version}\"", StringComparison.Ordinal));
        if (corrupt)
        {
            string model = Path.Combine(to, "model.onnx");
            byte[] bytes = File.ReadAllBytes(model);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(model, bytes);
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
