using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>The live pipeline with the real segmenter and the shipped classifiers on a committed recording.</summary>
public sealed class LiveClassificationPipelineTests
{
    private static readonly Lazy<SegmenterParameters> s_parameters =
        new(() => SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json")));

    [Fact]
    public async Task Classifications_RealSample_EveryFiveSecondsWithTheRunningMeanOfTheOfflineWindows()
    {
        const string sample = "circor/46532_AV.wav"; // 20.5 s at 4 kHz: 1024 frames
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, sample));
        LiveClassifierModel murmur = LiveClassifierTestData.Model("classifier-pascal");
        LiveClassifierModel abnormal = LiveClassifierTestData.Model("classifier-abnormal");
        var classifiers = new Recording(new LiveClassifierFactory([murmur, abnormal], intervalSeconds: 5, averageSeconds: 30));

        List<PipelineEvent> events = await RunAsync(audio.Samples, audio.SampleRate, classifiers);

        Assert.All(classifiers.Created, c => Assert.Null(c.Failure));
        Assert.All(classifiers.Created, c => Assert.Equal(0, c.DroppedResults));

        float[] features = LiveClassifierTestData.Features(sample);
        int[] ends = [256, 506, 756, 1006];
        foreach ((LiveClassifierModel model, string key, int index) in new[] { (murmur, "murmur", 1), (abnormal, "abnormal", 1) })
        {
            List<ClassificationEvent> results = [.. events.OfType<ClassificationEvent>().Where(c => c.ModelVersion == model.Identity)];
            Assert.Equal(ends.Select(e => e / 50.0), results.Select(r => Math.Round(r.StreamTimeSeconds, 6)));
            Assert.All(results, r => Assert.Equal("d", r.DeviceId));
            for (int i = 0; i < ends.Length; i++)
            {
                double expected = ends.Take(i + 1).Average(end => LiveClassifierTestData.OfflineWindow(model, features, end)[index]);
                Assert.Equal(expected, results[i].Probabilities[key], 3);
                Assert.Equal(results[i].Probabilities[model.Classes[index]], results[i].Probabilities[key]);
            }
        }

        Assert.Equal("classifier-pascal 1.0.0", murmur.Identity);
        Assert.IsType<DeviceStatusEvent>(events[^1]);
    }

    [Fact]
    public async Task Classifications_NoFactory_NoClassificationEvents()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));

        List<PipelineEvent> events = await RunAsync(audio.Samples, audio.SampleRate, null);

        Assert.Contains(events, e => e is BeatEvent);
        Assert.DoesNotContain(events, e => e is ClassificationEvent);
    }

    [Fact]
    public async Task Classifications_ShorterThanOneWindow_NoClassificationEvents()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"));
        var classifiers = new LiveClassifierFactory([LiveClassifierTestData.Model("classifier-pascal"), LiveClassifierTestData.FrameModel("classifier-murmur")]);

        List<PipelineEvent> events = await RunAsync(audio.Samples[..(audio.SampleRate * 5)], audio.SampleRate, classifiers); // 250 frames < 256

        Assert.DoesNotContain(events, e => e is ClassificationEvent);
        Assert.Contains(events, e => e is VitalsEvent);
    }

    [Fact]
    public async Task AlertEngine_LiveClassificationsWithHighMurmurProbability_RaisesSuspectedMurmur()
    {
        // The real pipeline's events, with every murmur probability turned high as a murmur recording would give, plus
        // the abnormal model's events (which carry no "murmur") in between: the alert must still rise.
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav"));
        var classifiers = new LiveClassifierFactory([LiveClassifierTestData.FrameModel("classifier-murmur"), LiveClassifierTestData.Model("classifier-abnormal")]);
        List<PipelineEvent> events = await RunAsync([.. audio.Samples, .. audio.Samples, .. audio.Samples], audio.SampleRate, classifiers);
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var alerts = new List<AlertEvent>();

        foreach (PipelineEvent e in events)
        {
            PipelineEvent fed = e switch
            {
                ClassificationEvent c when c.Probabilities.ContainsKey("murmur") => c with { Probabilities = new Dictionary<string, double> { ["murmur"] = 0.95, ["Absent"] = 0.05 } },
                VitalsEvent v => v with { SignalQuality = 0.9 }, // quality gating is not under test here
                _ => e,
            };
            engine.Process(fed, alerts);
        }

        AlertEvent raised = Assert.Single(alerts, a => a.Type == AlertType.SuspectedMurmur && a.State == AlertState.Raised);
        Assert.Equal("murmur", raised.Evidence.ProbabilityClass);
        Assert.Equal(0.95, raised.Evidence.Probability);
    }

    /// <summary>Keeps the classifiers a factory made, to look at their counters afterwards.</summary>
    private sealed class Recording(ILiveClassifierFactory inner) : ILiveClassifierFactory
    {
        public List<LiveWindowClassifier> Created { get; } = [];

        public IReadOnlyList<ILiveClassifier> Create(string deviceId)
        {
            IReadOnlyList<ILiveClassifier> made = inner.Create(deviceId);
            Created.AddRange(made.OfType<LiveWindowClassifier>());
            return made;
        }
    }

    private static async Task<List<PipelineEvent>> RunAsync(float[] samples, int sampleRate, ILiveClassifierFactory? classifiers)
    {
        var sink = new CollectingSink();
        await using (var pipeline = new LivePipeline(new LivePipelineOptions(), new SegmentationAnalyzerFactory(s_parameters.Value), [sink], classifiers: classifiers))
        {
            pipeline.Start();
            pipeline.AddDevice(new ArraySource("d", samples, sampleRate, [sampleRate / 10]));
            pipeline.CompleteAdding();
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        }

        return [.. sink.Events];
    }
}
