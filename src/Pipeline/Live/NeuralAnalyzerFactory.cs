using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Makes a <see cref="NeuralSegmentationAnalyzer"/> per device, all feeding one <see cref="BatchedInferenceStage"/> that
/// this factory owns and runs (its worker starts here and stops in <see cref="Dispose"/>): the live path of the neural
/// segmenter, one ORT run for the windows of many devices.
/// </summary>
public sealed class NeuralAnalyzerFactory : IDeviceAnalyzerFactory, IDisposable
{
    private readonly BatchedInferenceStage _stage;
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _worker;
    private readonly FeatureSettings _settings;
    private SegmenterParameters _decoder;
    private string _modelName;
    private int _disposed;

    /// <param name="segmenter">The loaded segmenter; the factory owns it from now on.</param>
    /// <param name="options">Hop, emission look-ahead and decoder settings.</param>
    /// <param name="batching">Batch size and wait.</param>
    /// <param name="settings">Feature settings (default <see cref="FeatureSettings.Default"/>).</param>
    public NeuralAnalyzerFactory(NeuralSegmenter segmenter, NeuralStreamingOptions? options = null, BatchedInferenceOptions? batching = null, FeatureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        Options = options ?? NeuralStreamingOptions.Default;
        Options.Validate(segmenter.Manifest.WindowFrames);
        _settings = settings ?? FeatureSettings.Default;
        _decoder = segmenter.Decoder;
        _modelName = segmenter.DisplayName;
        _stage = new BatchedInferenceStage(segmenter.CreateBatchModel(owned: true), batching, depthLabel: "inference");
        _worker = Task.Run(() => _stage.RunAsync(_abort.Token));
    }

    /// <summary>Loads a registered segmenter (see <see cref="ModelRegistry.Resolve"/>); throws naming the file at fault.</summary>
    public static NeuralAnalyzerFactory Load(RegisteredModel model, NeuralStreamingOptions? options = null, BatchedInferenceOptions? batching = null, bool preferCuda = false)
    {
        // One worker runs every device's windows, so its ORT run gets the intra-op threads (half the cores: the devices'
        // front ends and decoders need the rest).
        NeuralSegmenter segmenter = NeuralSegmenter.Load(model, intraOpThreads: Math.Max(1, Environment.ProcessorCount / 2), preferCuda: preferCuda);
        try
        {
            return new NeuralAnalyzerFactory(segmenter, options, batching);
        }
        catch
        {
            segmenter.Dispose();
            throw;
        }
    }

    public NeuralStreamingOptions Options { get; }

    /// <summary>The shared batcher (batch statistics).</summary>
    public BatchedInferenceStage Stage => _stage;

    /// <summary>"name version" of the model new devices get.</summary>
    public string ModelName => Volatile.Read(ref _modelName);

    /// <summary>The worker loop; faults if the stage failed.</summary>
    public Task Worker => _worker;

    /// <summary>Upper bound of the time from a sound's end to its emission at a given input rate (without the batch wait).</summary>
    public double MaxLatencySeconds(int sampleRate)
    {
        using var probe = new BatchedInferenceStage(new ShapeOnlyModel(_stage));
        return new NeuralSegmentationAnalyzer(probe, Volatile.Read(ref _decoder), sampleRate, Options, _settings).MaxLatencySeconds;
    }

    public IDeviceAnalyzer Create(string deviceId, int sampleRate)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new NeuralSegmentationAnalyzer(_stage, Volatile.Read(ref _decoder), sampleRate, Options, _settings);
    }

    /// <summary>
    /// Hot reload: the stage runs <paramref name="segmenter"/> from its next batch on (the old one is disposed once no
    /// batch uses it) and new devices get its decoder parameters; running devices keep their decoders. The factory owns
    /// <paramref name="segmenter"/> from now on.
    /// </summary>
    public void Swap(NeuralSegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        Options.Validate(segmenter.Manifest.WindowFrames);
        _stage.Swap(segmenter.CreateBatchModel(owned: true));
        Volatile.Write(ref _decoder, segmenter.Decoder);
        Volatile.Write(ref _modelName, segmenter.DisplayName);
    }

    /// <summary>Stops the batcher after the queued windows ran, and disposes the model.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stage.Complete();
        bool stopped;
        try
        {
            stopped = _worker.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            stopped = true; // the worker ended with a fault its devices have already seen
        }

        if (!stopped)
        {
            _abort.Cancel(); // a model run that never returns must not hang the shutdown
        }

        _stage.Dispose();
        _abort.Dispose();
    }

    /// <summary>Shapes of the stage's model and nothing else: lets a latency probe build an analyzer without running anything.</summary>
    private sealed class ShapeOnlyModel(BatchedInferenceStage stage) : IWindowBatchModel
    {
        public string Name => "shape-only";

        public int InputChannels => stage.InputChannels;

        public int OutputChannels => stage.OutputChannels;

        public int WindowFrames => stage.WindowFrames;

        public void Run(ReadOnlySpan<float> input, int batch, Span<float> output) =>
            throw new InvalidOperationException("a latency probe runs no model");
    }
}
