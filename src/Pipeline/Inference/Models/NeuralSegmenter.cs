using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// A registered neural segmenter ready to serve: one ORT session (shared, thread-safe) plus its HSMM decoder
/// parameters; <see cref="CreateAnalyzer"/> gives each worker its own analyzer with its own window buffers.
/// </summary>
public sealed class NeuralSegmenter : IDisposable
{
    private readonly OnnxSession _session;

    private NeuralSegmenter(ModelManifest manifest, SegmenterParameters decoder, OnnxSession session)
    {
        Manifest = manifest;
        Decoder = decoder;
        _session = session;
    }

    public ModelManifest Manifest { get; }

    /// <summary>Durations, state priors and sound offset used with the network's posteriors.</summary>
    public SegmenterParameters Decoder { get; }

    /// <summary>"CUDA" or "CPU": the execution provider the session runs on.</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>Why CUDA was not used although requested; null when it was not requested or runs.</summary>
    public string? CudaUnavailableReason => _session.CudaUnavailableReason;

    /// <summary>One line naming the provider that runs, and why not CUDA when it was requested but is not used.</summary>
    public string ProviderLine => ExecutionProvider == "CUDA"
        ? $"inference: {DisplayName} runs on the CUDA execution provider"
        : CudaUnavailableReason is null
            ? $"inference: {DisplayName} runs on CPU"
            : $"inference: {DisplayName} runs on CPU (CUDA requested but unavailable: {CudaUnavailableReason})";

    /// <summary>"name version", e.g. "segmenter-tcn 1.0.0".</summary>
    public string DisplayName => $"{Manifest.Name} {Manifest.Version}";

    /// <summary>Loads a segmenter found by <see cref="ModelRegistry.Resolve"/>; throws with a message naming the file at fault.</summary>
    /// <param name="preferCuda">Request ONNX Runtime's CUDA execution provider; without a CUDA build (as on the
    /// development machines) the session falls back to CPU and <see cref="CudaUnavailableReason"/> says why.</param>
    public static NeuralSegmenter Load(RegisteredModel model, int intraOpThreads = 1, bool preferCuda = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Manifest.Kind != "segmenter" || model.DecoderPath is null)
        {
            throw new InvalidDataException($"model '{model.Manifest.Name}' is a {model.Manifest.Kind} with decoder '{model.Manifest.DecoderFile}', not a segmenter with decoder parameters");
        }

        SegmenterParameters decoder = SegmenterParameters.Load(model.DecoderPath);
        OnnxSession session;
        try
        {
            session = OnnxSession.Load(model.ModelPath, new OnnxSessionOptions { IntraOpThreads = intraOpThreads, PreferCuda = preferCuda });
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"model '{model.Manifest.Name}' {model.Manifest.Version}: ONNX Runtime cannot load {model.ModelPath}: {e.Message}", e);
        }

        try
        {
            _ = new OnnxEmissionModel(session, model.Manifest.WindowFrames, model.Manifest.HopFrames, context: Context(model.Manifest));
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return new NeuralSegmenter(model.Manifest, decoder, session);
    }

    /// <summary>A new whole-context emission model over the shared session (one per worker).</summary>
    public OnnxEmissionModel CreateEmissionModel() =>
        new(_session, Manifest.WindowFrames, Manifest.HopFrames, name: DisplayName, context: Context(Manifest));

    /// <summary>
    /// A new emission model over the shared session (one per worker) serving the network with <paramref name="context"/>.
    /// A network with a bounded context gets the same posteriors either way (each frame from the one window holding its
    /// receptive field, as live), so it is always served that way.
    /// </summary>
    /// <param name="context">Live (as the service serves it, with <paramref name="live"/>) or the whole-recording pass.</param>
    /// <param name="live">The live serving options; <see cref="Streaming.NeuralStreamingOptions.Default"/> when null.</param>
    public IEmissionModel CreateEmissionModel(NeuralContext context, Streaming.NeuralStreamingOptions? live = null) =>
        context == NeuralContext.Full || Context(Manifest) is not null
            ? CreateEmissionModel()
            : new LiveContextEmissionModel(_session, (int)_session.Inputs.First(i => i.Name == "features").Dimensions[1], Manifest.WindowFrames, live, DisplayName);

    /// <summary>The manifest's bounded context (past, future frames), or null for a centred network.</summary>
    public static (int Past, int Future)? Context(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.FutureFrames is int future && manifest.PastFrames is int past ? (past, future) : null;
    }

    /// <summary>
    /// The shared session as a fixed-window batch model for a <see cref="Batching.BatchedInferenceStage"/>; when
    /// <paramref name="owned"/>, disposing that model disposes this segmenter (the stage then owns it).
    /// </summary>
    /// <param name="owned">Whether disposing the batch model disposes this segmenter.</param>
    /// <param name="windowFrames">Frames per window; 0 = the training window of the manifest (the time axis is dynamic).</param>
    public Batching.OnnxWindowBatchModel CreateBatchModel(bool owned, int windowFrames = 0) =>
        new(_session, windowFrames == 0 ? Manifest.WindowFrames : windowFrames, owned ? this : null, DisplayName);

    /// <summary>
    /// A new analyzer using this model (one per worker), by default with the context the live service gives each frame
    /// (<see cref="NeuralContext.Live"/>), so it reports what a live stream of the same audio reports.
    /// </summary>
    /// <param name="settings">Feature settings; the build's when null.</param>
    /// <param name="context">Live (as the service serves the network) or the whole-recording pass.</param>
    /// <param name="live">The live serving and its minimum sound posterior; <see cref="Streaming.NeuralStreamingOptions.Default"/> when null.</param>
    public RecordingAnalyzer CreateAnalyzer(FeatureSettings? settings = null, NeuralContext context = NeuralContext.Live, Streaming.NeuralStreamingOptions? live = null) =>
        new(Decoder, CreateEmissionModel(context, live), settings, (live ?? Streaming.NeuralStreamingOptions.Default).MinSoundPosterior);

    public void Dispose() => _session.Dispose();
}
