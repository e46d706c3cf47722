using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Commands;

/// <summary>
/// Which segmenter a command uses (<c>--model</c>): "default" is the shipped neural segmenter when the registry has
/// one and the logistic baseline otherwise; "baseline" forces the baseline (with <c>--params</c> when given);
/// "NAME" or "NAME@VERSION" picks a registered segmenter.
/// </summary>
internal sealed class SegmenterChoice : IDisposable
{
    public const string Default = "default";
    public const string Baseline = "baseline";

    private readonly NeuralSegmenter? _neural;
    private readonly SegmenterParameters? _baseline;
    private readonly NeuralContext _context;
    private readonly NeuralStreamingOptions? _live;

    private SegmenterChoice(NeuralSegmenter? neural, SegmenterParameters? baseline, string description, NeuralContext context = NeuralContext.Live, NeuralStreamingOptions? live = null)
    {
        _neural = neural;
        _baseline = baseline;
        _context = context;
        _live = live;
        Description = description;
    }

    /// <summary>"baseline (logistic + HSMM)" or "segmenter-tcn 1.0.0 (neural + HSMM)".</summary>
    public string Description { get; }

    /// <summary>Loads the choice; throws IOException/InvalidDataException with a message naming what is wrong.</summary>
    /// <param name="context">How a neural segmenter is served (<c>--context</c>): as live (the default) or whole-recording.</param>
    /// <param name="live">The live serving (the service's Pipeline settings); <see cref="NeuralStreamingOptions.Default"/> when null.
    /// Throws <see cref="ArgumentException"/> when it does not fit the model.</param>
    /// <param name="preferCuda">Request the CUDA execution provider (Pipeline:UseCuda); one line on stderr says which runs.</param>
    public static SegmenterChoice Load(string model, FileInfo? parametersFile, string? registryRoot = null, NeuralContext context = NeuralContext.Live, NeuralStreamingOptions? live = null, bool preferCuda = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var registry = new ModelRegistry(registryRoot ?? DefaultPaths.Models);
        bool useDefaultNeural = model == Default && parametersFile is null && registry.Contains(DefaultPaths.SegmenterModelName);
        if (model == Baseline || (model == Default && !useDefaultNeural))
        {
            SegmenterParameters parameters = SegmenterParameters.Load(parametersFile?.FullName ?? DefaultPaths.BaselineParameters);
            return new SegmenterChoice(null, parameters, "baseline (logistic emissions + HSMM)");
        }

        string name = useDefaultNeural ? DefaultPaths.SegmenterModelName : model;
        string? version = null;
        int at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            version = name[(at + 1)..];
            name = name[..at];
        }

        RegisteredModel registered = registry.Resolve(name, FeatureSettings.Default.Hash(), version);
        // Pipeline:UseCuda requests the CUDA execution provider; one line then says which provider runs.
        NeuralSegmenter neural = NeuralSegmenter.Load(registered, preferCuda: preferCuda);
        if (preferCuda)
        {
            Console.Error.WriteLine(neural.ProviderLine);
        }

        string served = NeuralSegmenter.Context(neural.Manifest) is not null ? "bounded context, as live"
            : context == NeuralContext.Live ? "live context" : "full context";
        if (live is not null)
        {
            try
            {
                live.Validate(neural.Manifest.WindowFrames);
            }
            catch (ArgumentException)
            {
                neural.Dispose();
                throw;
            }
        }

        return new SegmenterChoice(neural, null, $"{neural.DisplayName} (neural emissions + HSMM, {neural.ExecutionProvider}, {served})", context, live);
    }

    /// <summary>A new analyzer (one per worker thread).</summary>
    public RecordingAnalyzer CreateAnalyzer() => _neural is not null ? _neural.CreateAnalyzer(context: _context, live: _live) : new RecordingAnalyzer(_baseline!);

    /// <summary>The <c>--context</c> option of analyze and eval segmentation.</summary>
    public static System.CommandLine.Option<string> ContextOption() => new("--context")
    {
        Description = "Neural segmenter: live (each frame sees the future the live service gives it, so the sounds are those a live stream of the file reports) or full (each frame sees up to ~5 s either side; slightly more accurate offline).",
        DefaultValueFactory = _ => "live",
    };

    /// <summary>Parses the <c>--context</c> value (live or full).</summary>
    public static NeuralContext ParseContext(string value) => value switch
    {
        "live" => NeuralContext.Live,
        "full" => NeuralContext.Full,
        _ => throw new ArgumentException($"--context must be live or full, got '{value}'"),
    };

    public void Dispose() => _neural?.Dispose();
}
