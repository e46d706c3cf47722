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
    private readonly RegistryCopy _copy = new("segmenter-tcn");

    public void Dispose() => _copy.Dispose();

    [Fact]
    public async Task Poll_GoodThenCorruptVersion_SwapsGoodRejectsCorruptAndAudioKeepsFlowing()
    {
        ModelRegistry registry = _copy.Registry;
        using NeuralAnalyzerFactory factory = NeuralAnalyzerFactory.Load(registry.Resolve(_copy.Name, FeatureSettings.Default.Hash()));
        var reports = new List<(bool Ok, string Message)>();
        ModelVersionWatcher watcher = factory.Watch(registry, _copy.Name, "1.0.0", (ok, m) => reports.Add((ok, m)), Timeout.InfiniteTimeSpan);
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        var analyzer = (IAsyncDeviceAnalyzer)factory.Create("bed-1", audio.SampleRate);
        var sounds = new List<HeartSound>();
        int third = audio.Samples.Length / 3;

        await analyzer.PushAsync(audio.Samples.AsMemory(0, third), sounds);
        int beforeGood = sounds.Count;
        _copy.Publish("1.0.1", corrupt: false, makeCurrent: true);
        Assert.True(watcher.Poll());
        await analyzer.PushAsync(audio.Samples.AsMemory(third, third), sounds);
        int beforeCorrupt = sounds.Count;
        _copy.Publish("1.0.2", corrupt: true, makeCurrent: true);
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
}
