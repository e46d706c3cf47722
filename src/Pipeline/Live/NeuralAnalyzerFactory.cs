using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Telemetry;

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
    private readonly List<ModelVersionWatcher> _watchers = [];
    private readonly int _intraOpThreads;
    private readonly bool _preferCuda;
    private string _modelName;
    private int _disposed;

    /// <param name="segmenter">The loaded segmenter; the factory owns it from now on.</param>
    /// <param name="options">Hop, emission look-ahead and decoder settings.</param>
    /// <param name="batching">Batch size and wait.</param>
    /// <param name="settings">Feature settings (default <see cref="FeatureSettings.Default"/>).</param>
    /// <param name="intraOpThreads">ORT threads of models loaded by <see cref="TryReload"/>.</param>
    /// <param name="preferCuda">Whether models loaded by <see cref="TryReload"/> request CUDA.</param>
    public NeuralAnalyzerFactory(NeuralSegmenter segmenter, NeuralStreamingOptions? options = null, BatchedInferenceOptions? batching = null, FeatureSettings? settings = null, int intraOpThreads = 1, bool preferCuda = false)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        _intraOpThreads = intraOpThreads;
        _preferCuda = preferCuda;
        Options = options ?? NeuralStreamingOptions.Default;
        Options.Validate(segmenter.Manifest.WindowFrames);
        Options.ValidateContext(NeuralSegmenter.Context(segmenter.Manifest), segmenter.Manifest.WindowFrames);
        _settings = settings ?? FeatureSettings.Default;
        _decoder = segmenter.Decoder;
        _modelName = segmenter.DisplayName;
        _stage = new BatchedInferenceStage(segmenter.CreateBatchModel(owned: true, Options.ResolveWindowFrames(segmenter.Manifest.WindowFrames)), batching, depthLabel: "inference");
        _worker = Task.Run(() => _stage.RunAsync(_abort.Token));
        HeartStreamMetrics.SetModelInfo(segmenter.Manifest.Name, segmenter.Manifest.Version, segmenter.ExecutionProvider);
        ProviderLine = segmenter.ProviderLine;
    }

    /// <summary>The start-up line naming the execution provider the segmenter runs on (<see cref="NeuralSegmenter.ProviderLine"/>).</summary>
    public string ProviderLine { get; }

    /// <summary>Loads a registered segmenter (see <see cref="ModelRegistry.Resolve"/>); throws naming the file at fault.</summary>
    public static NeuralAnalyzerFactory Load(RegisteredModel model, NeuralStreamingOptions? options = null, BatchedInferenceOptions? batching = null, bool preferCuda = false)
    {
        // One worker runs every device's windows, so its ORT run gets the intra-op threads (half the cores: the devices'
        // front ends and decoders need the rest).
        int threads = Math.Max(1, Environment.ProcessorCount / 2);
        NeuralSegmenter segmenter = NeuralSegmenter.Load(model, intraOpThreads: threads, preferCuda: preferCuda);
        try
        {
            ModelSelfTest.CheckSegmenter(segmenter);
            return new NeuralAnalyzerFactory(segmenter, options, batching, intraOpThreads: threads, preferCuda: preferCuda);
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
        Options.ValidateContext(NeuralSegmenter.Context(segmenter.Manifest), segmenter.Manifest.WindowFrames);
        _stage.Swap(segmenter.CreateBatchModel(owned: true, Options.ResolveWindowFrames(segmenter.Manifest.WindowFrames)));
        Volatile.Write(ref _decoder, segmenter.Decoder);
        Volatile.Write(ref _modelName, segmenter.DisplayName);
    }

    /// <summary>
    /// Hot reload of one version from <paramref name="registry"/>: resolve (manifest, file size and SHA-256, feature
    /// settings of this build), load, test inference (<see cref="ModelSelfTest"/>), then <see cref="Swap"/> between
    /// batches. Any failure leaves the running model serving; <paramref name="message"/> says what happened either way.
    /// </summary>
    public bool TryReload(ModelRegistry registry, string name, string version, out string message)
    {
        ArgumentNullException.ThrowIfNull(registry);
        string previous = ModelName;
        NeuralSegmenter? candidate = null;
        try
        {
            RegisteredModel model = registry.Resolve(name, _settings.Hash(), version);
            candidate = NeuralSegmenter.Load(model, _intraOpThreads, _preferCuda);
            ModelSelfTest.CheckSegmenter(candidate);
            Swap(candidate);
            HeartStreamMetrics.SetModelInfo(candidate.Manifest.Name, candidate.Manifest.Version, candidate.ExecutionProvider);
        }
#pragma warning disable CA1031 // an untrusted model must never stop the live service; the reason is reported
        catch (Exception e)
#pragma warning restore CA1031
        {
            candidate?.Dispose();
            message = $"rejected {name} {version}: {e.Message}; keeping {previous}";
            return false;
        }

        message = $"reloaded {name}: {previous} -> {candidate.DisplayName}, from the next inference batch on (running devices keep their decoder parameters, new devices get the new ones)";
        return true;
    }

    /// <summary>Polls <paramref name="registry"/> for a new default version of <paramref name="name"/> (current file or highest) and reloads it; disposed with this factory.</summary>
    public ModelVersionWatcher Watch(ModelRegistry registry, string name, string activeVersion, Action<bool, string> report, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var watcher = new ModelVersionWatcher(registry, name, activeVersion, (string version, out string message) => TryReload(registry, name, version, out message), report, interval);
        lock (_watchers)
        {
            _watchers.Add(watcher);
        }

        return watcher;
    }

    /// <summary>Stops the batcher after the queued windows ran, and disposes the model.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_watchers)
        {
            foreach (ModelVersionWatcher watcher in _watchers)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
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
