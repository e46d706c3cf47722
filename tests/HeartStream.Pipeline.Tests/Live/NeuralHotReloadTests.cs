using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// Hot reload of the neural segmenter while a device streams: a registry copied from the shipped models gets a new
/// version (the same real network under version 1.0.1) or a corrupt one; the watcher swaps the good one in between
/// batches, rejects the corrupt one, and the device's audio keeps producing sounds through both.
/// </summary>
public sealed class NeuralHotReloadTests : IDisposable
{
    private const string Name = "segmenter-tcn";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "heartstream-hotreload-" + Guid.NewGuid().ToString("N"));

    public NeuralHotReloadTests()
    {
        var registry = new ModelRegistry(RepoPaths.Models);
        string version = registry.DefaultVersion(Name);
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
    public async Task Poll_GoodThenCorruptVersion_SwapsGoodRejectsCorruptAndAudioKeepsFlowing()
    {
        var registry = new ModelRegistry(_root);
        using NeuralAnalyzerFactory factory = NeuralAnalyzerFactory.Load(registry.Resolve(Name, FeatureSettings.Default.Hash()));
        var reports = new List<(bool Ok, string Message)>();
        ModelVersionWatcher watcher = factory.Watch(registry, Name, "1.0.0", (ok, m) => reports.Add((ok, m)), Timeout.InfiniteTimeSpan);
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        var analyzer = (IAsyncDeviceAnalyzer)factory.Create("bed-1", audio.SampleRate);
        var sounds = new List<HeartSound>();
        int third = audio.Samples.Length / 3;

        await analyzer.PushAsync(audio.Samples.AsMemory(0, third), sounds);
        int beforeGood = sounds.Count;
        Publish("1.0.1", corrupt: false);
        Assert.True(watcher.Poll());
        await analyzer.PushAsync(audio.Samples.AsMemory(third, third), sounds);
        int beforeCorrupt = sounds.Count;
        Publish("1.0.2", corrupt: true);
        Assert.True(watcher.Poll());
        Assert.False(watcher.Poll()); // rejected once, not again every poll
        await analyzer.PushAsync(audio.Samples.AsMemory(2 * third), sounds);
        await analyzer.FlushAsync(sounds);

        Assert.Equal(2, reports.Count);
        Assert.True(reports[0].Ok, reports[0].Message);
        Assert.Contains("1.0.1", factory.ModelName, StringComparison.Ordinal);
        Assert.False(reports[1].Ok);
        Assert.Contains("SHA-256", reports[1].Message, StringComparison.Ordinal);
        Assert.Contains("keeping segmenter-tcn 1.0.1", reports[1].Message, StringComparison.Ordinal);
        Assert.Equal("1.0.1", watcher.ActiveVersion);
        Assert.True(beforeGood > 5, $"{beforeGood} sounds before the reload");
        Assert.True(beforeCorrupt > beforeGood + 5, $"{beforeCorrupt - beforeGood} sounds between the reloads");
        Assert.True(sounds.Count > beforeCorrupt + 5, $"{sounds.Count - beforeCorrupt} sounds after the rejected reload");
        Assert.Equal(sounds.OrderBy(s => s.StartSeconds), sounds); // no sound lost out of order or repeated across swaps
    }

    /// <summary>A new version: the current one copied (its manifest renamed to the new version), optionally with a flipped byte in the network.</summary>
    private void Publish(string version, bool corrupt)
    {
        string from = Path.Combine(_root, Name, "1.0.0");
        string to = Path.Combine(_root, Name, version);
        Copy(from, to);
        string manifest = Path.Combine(to, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"version\": \"1.0.0\"", $"\"version\": \"{version}\"", StringComparison.Ordinal));
        if (corrupt)
        {
            string model = Path.Combine(to, "model.onnx");
            byte[] bytes = File.ReadAllBytes(model);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(model, bytes);
        }

        File.WriteAllText(Path.Combine(_root, Name, ModelRegistry.CurrentFileName), version + "\n");
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
