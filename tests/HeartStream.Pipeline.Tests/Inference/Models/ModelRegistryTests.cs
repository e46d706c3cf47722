using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Models;

/// <summary>Registry layout, default version choice, and the refusals: feature-hash mismatch, missing or corrupt model file.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-registry-" + Guid.NewGuid().ToString("N"));
    private readonly string _hash = FeatureSettings.Default.Hash();

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void DefaultVersion_NumericOrder_PicksHighestNotLexicographic()
    {
        Write("seg", "1.9.0");
        Write("seg", "1.10.0");
        Write("seg", "1.2.0");
        var registry = new ModelRegistry(_root);

        Assert.Equal(["1.2.0", "1.9.0", "1.10.0"], registry.Versions("seg"));
        Assert.Equal("1.10.0", registry.DefaultVersion("seg"));
        Assert.Equal("1.10.0", registry.Resolve("seg", _hash).Manifest.Version);
    }

    [Fact]
    public void DefaultVersion_CurrentFile_Wins()
    {
        Write("seg", "1.0.0");
        Write("seg", "2.0.0");
        File.WriteAllText(Path.Combine(_root, "seg", ModelRegistry.CurrentFileName), "1.0.0\n");

        Assert.Equal("1.0.0", new ModelRegistry(_root).Resolve("seg", _hash).Manifest.Version);
    }

    [Fact]
    public void Resolve_FeatureHashDiffers_ThrowsAskingToRetrain()
    {
        Write("seg", "1.0.0", featureHash: new string('a', 64));

        var e = Assert.Throws<InvalidDataException>(() => new ModelRegistry(_root).Resolve("seg", _hash));
        Assert.Contains("aaaaaaaaaaaa", e.Message, StringComparison.Ordinal);
        Assert.Contains("retrain", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ModelFileMissing_ThrowsFileNotFoundNamingIt()
    {
        string dir = Write("seg", "1.0.0");
        File.Delete(Path.Combine(dir, "model.onnx"));

        var e = Assert.Throws<FileNotFoundException>(() => new ModelRegistry(_root).Resolve("seg", _hash));
        Assert.Contains("model.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ModelFileCorrupt_ThrowsNamingCorruption()
    {
        string dir = Write("seg", "1.0.0");
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "model.onnx"));
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), bytes);

        var e = Assert.Throws<InvalidDataException>(() => new ModelRegistry(_root).Resolve("seg", _hash));
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ModelTruncated_ThrowsNamingSize()
    {
        string dir = Write("seg", "1.0.0");
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "model.onnx"));
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), bytes[..^10]);

        var e = Assert.Throws<InvalidDataException>(() => new ModelRegistry(_root).Resolve("seg", _hash));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownName_ThrowsFileNotFound()
    {
        Directory.CreateDirectory(_root);
        Assert.Throws<FileNotFoundException>(() => new ModelRegistry(_root).Resolve("nothing", _hash));
    }

    [Fact]
    public void FromJson_BadKind_ThrowsNamingField()
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelManifest.FromJson("""{"name":"x","version":"1","kind":"other","featureSettings":"","featureSettingsHash":"ab"}"""));
        Assert.Contains("kind", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"futureFrames\":40", "futureFrames")]
    [InlineData("\"futureFrames\":40,\"pastFrames\":-1", "pastFrames")]
    [InlineData("\"futureFrames\":200,\"pastFrames\":100", "window of 256")]
    public void FromJson_BadContext_ThrowsNamingIt(string context, string named)
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelManifest.FromJson("{\"name\":\"x\",\"version\":\"1\",\"kind\":\"segmenter\",\"featureSettings\":\"\",\"featureSettingsHash\":\"ab\"," + context + "}"));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_BoundedContext_RoundTripsAndAbsentMeansCentred()
    {
        var manifest = new ModelManifest { Name = "seg", Version = "1", Kind = "segmenter", FeatureSettings = "", FeatureSettingsHash = _hash, FutureFrames = 40, PastFrames = 48 };

        ModelManifest back = ModelManifest.FromJson(manifest.ToJson());

        Assert.Equal((48, 40), NeuralSegmenter.Context(back));
        Assert.Null(NeuralSegmenter.Context(manifest with { FutureFrames = null, PastFrames = null }));
        Assert.DoesNotContain("futureFrames", (manifest with { FutureFrames = null, PastFrames = null }).ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_RoundTrip_KeepsFields()
    {
        var manifest = new ModelManifest
        {
            Name = "seg", Version = "1.2.3", Kind = "segmenter", FeatureSettings = FeatureSettings.Default.CanonicalText(), FeatureSettingsHash = _hash,
            Metrics = new Dictionary<string, double> { ["test_f1"] = 0.9 }, Classes = ["S1", "Systole", "S2", "Diastole"], ParameterCount = 42,
        };

        ModelManifest back = ModelManifest.FromJson(manifest.ToJson());

        Assert.Equal(manifest.Version, back.Version);
        Assert.Equal(0.9, back.Metrics["test_f1"]);
        Assert.Equal(manifest.Classes, back.Classes);
        Assert.Equal(42, back.ParameterCount);
    }

    private string Write(string name, string version, string? featureHash = null)
    {
        string dir = Path.Combine(_root, name, version);
        Directory.CreateDirectory(dir);
        string model = Path.Combine(dir, "model.onnx");
        File.Copy(Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "models", "pointwise_segmenter.onnx"), model);
        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            Kind = "segmenter",
            FeatureSettings = FeatureSettings.Default.CanonicalText(),
            FeatureSettingsHash = featureHash ?? _hash,
            FileSizeBytes = new FileInfo(model).Length,
            Sha256 = ModelRegistry.Sha256Of(model),
        };
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJson());
        return dir;
    }
}
