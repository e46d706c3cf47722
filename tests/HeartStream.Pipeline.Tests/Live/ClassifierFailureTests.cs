using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Telemetry;
using HeartStream.TestSupport;
using HeartStream.Training.Onnx;
using Microsoft.Extensions.Logging;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// A classifier that fails at run time (here a real ONNX Runtime error: the model's time axis is fixed at 64 frames but
/// its manifest says 128) stops for that device with one error line naming the device and the model, and one count in
/// <c>heartstream_classifier_failures</c>; beats, vitals and the other classifier go on.
/// </summary>
public sealed class ClassifierFailureTests
{
    [Fact]
    public async Task Pipeline_ClassifierFailsAtRunTime_LoggedOnceDeviceKeepsBeatsAndOtherClassifier()
    {
        WavAudio audio = WavReader.Read(Path.Combine(RepoPaths.Samples, "circor", "46532_AV.wav"));
        var builder = new OnnxGraphBuilder("broken", 17);
        string x = builder.AddInput("features", "batch", 4, 64);
        builder.AddOutput(builder.Softmax(builder.ReduceMean(x, [2], keepDims: false), axis: 1), "probabilities", "batch", 4);
        using OnnxSession session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions(), "broken classifier");
        using var broken = new LiveClassifierModel(session, "classifier-broken", "0.0.1", ["a", "b", "c", "d"], windowFrames: 128);
        FrameClassifierModel murmur = LiveClassifierTestData.FrameModel("classifier-murmur");
        var logger = new ListLogger();
        double failuresBefore = MetricsScrape.Value(HeartStreamMetrics.Registry, "heartstream_classifier_failures_total", "model=\"classifier-broken\"");
        var sink = new CollectingSink();
        var parameters = SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json"));

        await using (var pipeline = new LivePipeline(new LivePipelineOptions(), new SegmentationAnalyzerFactory(parameters), [sink], logger, new LiveClassifierFactory([broken, murmur], intervalSeconds: 5, averageSeconds: 30)))
        {
            pipeline.Start();
            pipeline.AddDevice(new ArraySource("bed-3", audio.Samples, audio.SampleRate, [audio.SampleRate / 10]));
            pipeline.CompleteAdding();
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        }

        string line = Assert.Single(logger.Lines, l => l.Level == LogLevel.Error).Message;
        Assert.Contains("bed-3", line, StringComparison.Ordinal);
        Assert.Contains("classifier-broken 0.0.1 failed", line, StringComparison.Ordinal);
        Assert.Equal(failuresBefore + 1, MetricsScrape.Value(HeartStreamMetrics.Registry, "heartstream_classifier_failures_total", "model=\"classifier-broken\""));
        Assert.DoesNotContain(sink.Events, e => e is ClassificationEvent c && c.ModelVersion == broken.Identity);
        Assert.Equal(4, sink.Events.OfType<ClassificationEvent>().Count(c => c.ModelVersion == murmur.Identity));
        Assert.True(sink.Events.OfType<BeatEvent>().Count() > 20);
        Assert.Contains(sink.Events, e => e is VitalsEvent);
        Assert.DoesNotContain(sink.Events, e => e is DeviceStatusEvent { Status: DeviceStatus.Error });
    }

    private sealed class ListLogger : ILogger<LivePipeline>
    {
        private readonly object _gate = new();
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
