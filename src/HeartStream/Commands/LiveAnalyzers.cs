using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Commands;

/// <summary>
/// Which live segmenter `run`, `demo` and `bench streams` use (<c>--segmenter</c>, Pipeline:Segmenter): "neural" (the
/// default) is the registered segmenter-tcn behind the cross-device batched ONNX stage; "baseline" the per-device
/// logistic model. A neural model that is missing or fails to load costs one line on stderr and the baseline serves
/// instead, so the service keeps running.
/// </summary>
internal static class LiveAnalyzers
{
    public const string Neural = "neural";
    public const string Baseline = "baseline";

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="segmenter"/> is neural or baseline.</summary>
    public static void Validate(string segmenter)
    {
        if (segmenter is not (Neural or Baseline))
        {
            throw new ArgumentException($"--segmenter must be '{Neural}' or '{Baseline}'; got '{segmenter}'");
        }
    }

    /// <summary>
    /// The neural factory, or null (after one line to <paramref name="log"/> saying why) when the model cannot serve.
    /// Decoder look-ahead and step, and the neural window, hop and emission look-ahead from <paramref name="options"/>
    /// replace the neural defaults when set.
    /// </summary>
    public static NeuralAnalyzerFactory? TryLoadNeural(LivePipelineOptions? options, Action<string> log, string? registryRoot = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        NeuralStreamingOptions neural = NeuralOptions(options);
        try
        {
            var registry = new ModelRegistry(registryRoot ?? DefaultPaths.Models);
            RegisteredModel model = registry.Resolve(DefaultPaths.SegmenterModelName, FeatureSettings.Default.Hash());
            bool preferCuda = options?.UseCuda == true;
            NeuralAnalyzerFactory factory = NeuralAnalyzerFactory.Load(model, neural, preferCuda: preferCuda);
            if (preferCuda)
            {
                log(factory.ProviderLine);
            }

            return factory;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or OnnxRuntimeException or DllNotFoundException or ArgumentException)
        {
            log($"{DefaultPaths.SegmenterModelName} cannot serve ({e.Message}); the baseline segmenter serves instead");
            return null;
        }
    }

    /// <summary>
    /// The neural live serving: <see cref="NeuralStreamingOptions.Default"/> with the decoder look-ahead and step, the
    /// neural window, hop, emission look-ahead, averaging and minimum sound posterior of <paramref name="options"/>
    /// where set. `analyze` serves the network offline with the same (docs/PERFORMANCE.md).
    /// </summary>
    public static NeuralStreamingOptions NeuralOptions(LivePipelineOptions? options)
    {
        NeuralStreamingOptions neural = NeuralStreamingOptions.Default;
        if (options is not null && options.DecoderLookaheadSeconds > 0)
        {
            neural = neural with { Decoder = neural.Decoder with { LookaheadSeconds = options.DecoderLookaheadSeconds } };
        }

        if (options is not null && options.DecoderStepSeconds > 0)
        {
            neural = neural with { Decoder = neural.Decoder with { StepSeconds = options.DecoderStepSeconds } };
        }

        if (options is not null && options.NeuralWindowFrames > 0)
        {
            neural = neural with { WindowFrames = options.NeuralWindowFrames };
        }

        if (options is not null && options.NeuralHopFrames > 0)
        {
            neural = neural with { HopFrames = options.NeuralHopFrames };
        }

        if (options is not null && options.NeuralLookaheadFrames >= 0)
        {
            neural = neural with { LookaheadFrames = options.NeuralLookaheadFrames };
        }

        if (options?.NeuralAveragingLookaheadFrames is int averaging)
        {
            neural = neural with { AveragingLookaheadFrames = averaging };
        }

        if (options?.NeuralMinSoundPosterior is double posterior)
        {
            neural = neural with { MinSoundPosterior = (float)posterior };
        }

        return neural;
    }
}
