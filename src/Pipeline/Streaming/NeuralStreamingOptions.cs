using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// How the live neural segmenter windows its features: every <see cref="HopFrames"/> new frames the last
/// <see cref="WindowFrames"/> (by default the model's training window; the ONNX time axis is dynamic) go to the batched model, and frames that then have <see cref="LookaheadFrames"/> frames of
/// future context inside that window take their posteriors from it. A non-causal network needs some future to place a
/// sound's edges; more look-ahead agrees better with the offline pass but adds directly to the beat latency, as do the
/// decoder's look-ahead and step.
/// </summary>
public sealed record NeuralStreamingOptions
{
    /// <summary>
    /// The measured defaults (`heartstream bench streaming-agreement --neural`, CirCor test split, 74 recordings, F1 at
    /// 60 ms; docs/PERFORMANCE.md, "Neural live path"): a 128-frame live window (half the training window: half the
    /// inference per hop), hop 25 frames (one normalisation block, so a window runs as soon as the normaliser releases
    /// frames), emission look-ahead 25 frames, tent averaging of every window that gave a frame any future context
    /// (<see cref="AveragingLookaheadFrames"/> 0: the previous window as well as the emitting one), decoder look-ahead
    /// 0.25 s, step 0.5 s: latency bound 2.34 s from a sound's end, F1 0.953 against the offline neural analyser and 0.967
    /// against the annotations with segmenter-tcn 1.0.0 (1.1.0 with <see cref="MinSoundPosterior"/> 0.35 live and offline:
    /// 0.963 / 0.967). The same bound with look-ahead 0.5 s / step 0.25 s agrees slightly better (0.958 /
    /// 0.969) but decodes twice as often: on 2 cores it carries 400 real-time streams with p99 ≤ 2.5 s where this
    /// default carries 800 (docs/PERFORMANCE.md). While a stream's 30-s heart-rate window fills, the rate is re-chosen
    /// once the audio has grown by 10 % (<see cref="StreamingDecoderOptions.HeartRateFillingGrowth"/> 0.1) instead of at
    /// every step: half the rate choices (120 -> 63 per minute on the test split, whose recordings are all shorter than
    /// the window) at the same agreement (0.964 / 0.967); every stream starts in that phase, so after a restart all
    /// of them are in it at once. (Those agreement figures are against the whole-recording pass; `heartstream analyze`
    /// serves the network with these very options since 2026-12-02, and the live sounds agree with it at 0.983.) The
    /// properties' own initial values are the plain ones (the model's window, one window per frame, decoder 0.5 s /
    /// 0.25 s).
    /// </summary>
    public static NeuralStreamingOptions Default { get; } = new()
    {
        WindowFrames = 128,
        AveragingLookaheadFrames = 0,
        MinSoundPosterior = HeardSounds.DefaultMinPosterior,
        Decoder = StreamingDecoderOptions.Default with { LookaheadSeconds = 0.25, StepSeconds = 0.5, HeartRateFillingGrowth = 0.1 },
    };

    /// <summary>
    /// Frames per live window; 0 = the window the model was trained on (its manifest). Shorter windows cost
    /// proportionally less inference per hop; the frames near a window's end see the same future either way, only less
    /// of the past.
    /// </summary>
    public int WindowFrames { get; init; }

    /// <summary>Longest live window accepted (about 82 s at 50 frames/s).</summary>
    public const int MaxWindowFrames = 4096;

    /// <summary>New frames between windows.</summary>
    public int HopFrames { get; init; } = 25;

    /// <summary>Future frames a frame must have inside its window before its posteriors are used.</summary>
    public int LookaheadFrames { get; init; } = 25;

    /// <summary>
    /// -1 (the default): a frame takes its posteriors from the one window where it first has <see cref="LookaheadFrames"/>
    /// of future context. 0 .. <see cref="LookaheadFrames"/>: a frame takes the tent-weighted mean (weight = distance to
    /// the nearer window edge, as the offline pass does) of every window that gave it at least this many future frames,
    /// up to that same window; nothing waits longer, it only reuses windows that already ran.
    /// </summary>
    public int AveragingLookaheadFrames { get; init; } = -1;

    /// <summary>
    /// A decoded sound is reported only when the network's mean posterior of its type over its frames reaches this
    /// (0 = every decoded sound; <see cref="Default"/>: <see cref="HeardSounds.DefaultMinPosterior"/>, the offline
    /// analyser's too). The HSMM always fits a rhythm, also to a chest with no heart sounds; the network says whether a
    /// sound was heard, so "no heart sounds" can be raised.
    /// </summary>
    public float MinSoundPosterior { get; init; }

    /// <summary>Decoder window, step and look-ahead.</summary>
    public StreamingDecoderOptions Decoder { get; init; } = StreamingDecoderOptions.Default with { LookaheadSeconds = 0.5, StepSeconds = 0.25 };

    /// <summary>
    /// For a network with a bounded context (<c>ModelManifest.PastFrames</c>/<c>FutureFrames</c>): throws
    /// <see cref="ArgumentException"/> unless every frame handed to the decoder comes from a window holding its whole
    /// receptive field — look-ahead at least the network's future, the past it needs inside the live window, and no
    /// averaging with windows that saw less future — so the live posteriors are the offline ones. Nothing to check for a
    /// centred network (null).
    /// </summary>
    public void ValidateContext((int Past, int Future)? context, int modelWindowFrames)
    {
        if (context is not (int past, int future))
        {
            return;
        }

        int window = ResolveWindowFrames(modelWindowFrames);
        if (LookaheadFrames < future)
        {
            throw new ArgumentException($"the model sees {future} future frames; {nameof(LookaheadFrames)} is {LookaheadFrames}, so live posteriors would lack part of it");
        }

        if (window - HopFrames - LookaheadFrames < past)
        {
            throw new ArgumentException($"the model sees {past} past frames, but a live window of {window} frames with hop {HopFrames} and look-ahead {LookaheadFrames} holds only {window - HopFrames - LookaheadFrames} before its earliest emitted frame; use a longer window");
        }

        if (AveragingLookaheadFrames >= 0 && AveragingLookaheadFrames < future)
        {
            throw new ArgumentException($"{nameof(AveragingLookaheadFrames)} {AveragingLookaheadFrames} would average in windows that saw less than the model's {future} future frames; use -1 or at least {future}");
        }
    }

    /// <summary>The live window length: <see cref="WindowFrames"/>, or <paramref name="modelWindowFrames"/> when that is 0.</summary>
    public int ResolveWindowFrames(int modelWindowFrames) => WindowFrames == 0 ? modelWindowFrames : WindowFrames;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first option that does not fit; <paramref name="modelWindowFrames"/>
    /// is the model's training window, used when <see cref="WindowFrames"/> is 0.
    /// </summary>
    public void Validate(int modelWindowFrames, double frameRate = AnalysisRate.FrameRate)
    {
        if (WindowFrames is < 0 or > MaxWindowFrames)
        {
            throw new ArgumentException($"{nameof(WindowFrames)} must be 0 (the model's window) or 1..{MaxWindowFrames}, got {WindowFrames}");
        }

        int windowFrames = ResolveWindowFrames(modelWindowFrames);
        if (HopFrames < 1)
        {
            throw new ArgumentException($"{nameof(HopFrames)} must be at least 1, got {HopFrames}");
        }

        if (LookaheadFrames < 0)
        {
            throw new ArgumentException($"{nameof(LookaheadFrames)} must not be negative, got {LookaheadFrames}");
        }

        if (HopFrames + LookaheadFrames > windowFrames)
        {
            throw new ArgumentException($"{nameof(HopFrames)} + {nameof(LookaheadFrames)} ({HopFrames} + {LookaheadFrames}) must fit in the live window of {windowFrames} frames");
        }

        if (AveragingLookaheadFrames < -1 || AveragingLookaheadFrames > LookaheadFrames)
        {
            throw new ArgumentException($"{nameof(AveragingLookaheadFrames)} must be -1 (one window) or 0..{nameof(LookaheadFrames)} ({LookaheadFrames}), got {AveragingLookaheadFrames}");
        }

        if (!(MinSoundPosterior is >= 0 and < 1))
        {
            throw new ArgumentException($"{nameof(MinSoundPosterior)} must lie in 0..1 (exclusive), got {MinSoundPosterior}");
        }

        ArgumentNullException.ThrowIfNull(Decoder, nameof(Decoder));
        Decoder.Validate(frameRate);
    }
}
