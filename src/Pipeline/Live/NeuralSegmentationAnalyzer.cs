using System.Runtime.CompilerServices;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The live analyzer of one device over a neural segmenter served by a shared <see cref="BatchedInferenceStage"/>:
/// the shared <see cref="StreamingFrontEnd"/> (resample, features, live normaliser, silence guard); every
/// <see cref="NeuralStreamingOptions.HopFrames"/> frames the last window of frames (the stage's window length,
/// <see cref="NeuralStreamingOptions.WindowFrames"/>) goes to the batcher; frames that
/// then have <see cref="NeuralStreamingOptions.LookaheadFrames"/> of future context take their posteriors from that
/// window and, with the homomorphic envelope, go to a <see cref="StreamingHsmmDecoder"/> built from the model's decoder
/// parameters.
/// </summary>
/// <remarks>
/// <para>Windows sit at fixed multiples of the hop in stream frames, so chunk sizes do not change the sounds. At the
/// start of a stream a window reaches before the first frame; that part is zeros (a normalised frame's mean).
/// <see cref="FlushAsync"/> runs a last window ending at the last frame (no look-ahead) and flushes the decoder.</para>
/// <para>One window per device is in flight at a time; the device's request object is reused, so a push allocates
/// nothing in steady state. The synchronous <see cref="IDeviceAnalyzer"/> methods block until the batcher answered
/// (for callers outside the pipeline; <see cref="DeviceAnalysisStage"/> awaits the asynchronous ones).</para>
/// </remarks>
public sealed class NeuralSegmentationAnalyzer : IAsyncDeviceAnalyzer, IDeviceAnalyzer, INormalizedFrameSource
{
    private const int S = LogisticEmissionModel.States;
    private const int HeardRingFrames = 512; // 10 s of S1/S2 posteriors: more than a decoded sound can lag its frames (look-ahead + step ≤ 3 s)

    private readonly StreamingFrontEnd _frontEnd;
    private readonly StreamingHsmmDecoder _decoder;
    private readonly InferenceRequest _request;
    private readonly LiveWindowPosteriors _windows;
    private readonly double _offset;
    private readonly double _frameRate;
    private readonly float[] _posteriors;  // frames handed to the decoder, frame-major
    private readonly float[] _envelope;
    private readonly float[] _heard;       // min posterior on: P(S1), P(S2) per frame, slot = frame % HeardRingFrames
    private readonly float _minPosterior;
    private float[] _syncAudio = [];
    private bool _flushed;

    /// <param name="stage">The shared batcher running the segmenter network.</param>
    /// <param name="decoderParameters">The network's HSMM parameters (its decoder.json).</param>
    /// <param name="sampleRate">Rate of the audio the device sends, in Hz.</param>
    /// <param name="options">Hop, look-ahead and decoder settings; <see cref="NeuralStreamingOptions.Default"/> when null.</param>
    /// <param name="settings">Feature settings; must be the ones the network was trained on.</param>
    public NeuralSegmentationAnalyzer(BatchedInferenceStage stage, SegmenterParameters decoderParameters, int sampleRate, NeuralStreamingOptions? options = null, FeatureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(decoderParameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        settings ??= FeatureSettings.Default;
        options ??= NeuralStreamingOptions.Default;
        options.Validate(stage.WindowFrames, settings.FrameRate);
        if (options.ResolveWindowFrames(stage.WindowFrames) != stage.WindowFrames)
        {
            throw new ArgumentException(
                $"{nameof(NeuralStreamingOptions.WindowFrames)} is {options.WindowFrames} but the inference stage runs windows of {stage.WindowFrames} frames; build the stage with the options' window", nameof(options));
        }

        if (stage.InputChannels != settings.Channels || stage.OutputChannels != S)
        {
            throw new InvalidDataException(
                $"the inference stage maps {stage.InputChannels} channels to {stage.OutputChannels}; the segmenter needs {settings.Channels} feature channels to {S} state posteriors");
        }

        if (decoderParameters.FeatureSettingsHash.Length > 0 && decoderParameters.FeatureSettingsHash != settings.Hash())
        {
            throw new InvalidDataException(
                $"decoder parameters were trained on features {decoderParameters.FeatureSettingsHash[..12]}…, this build computes {settings.Hash()[..12]}…; retrain the segmenter");
        }

        Options = options;
        _frontEnd = new StreamingFrontEnd(sampleRate, settings);
        _decoder = new StreamingHsmmDecoder(decoderParameters, options.Decoder);
        _request = stage.CreateRequest();
        // The front end's flush releases up to three pushes' worth of frames at once.
        _windows = new LiveWindowPosteriors(settings.Channels, stage.WindowFrames, options, 3 * _frontEnd.MaxReleasedFrames);
        _offset = decoderParameters.SoundOffsetSeconds;
        _frameRate = settings.FrameRate;
        _posteriors = new float[_windows.MaxEmitFrames * S];
        _envelope = new float[_windows.MaxEmitFrames];
        _minPosterior = options.MinSoundPosterior;
        _heard = _minPosterior > 0 ? new float[HeardRingFrames * 2] : [];
    }

    public NeuralStreamingOptions Options { get; }

    /// <summary>Receives the posteriors handed to the decoder (tests, diagnostics); null for none.</summary>
    public IPosteriorObserver? PosteriorObserver { get; set; }

    /// <summary>The decoder (look-ahead, step, heart rate, decode counts).</summary>
    public StreamingHsmmDecoder Decoder => _decoder;

    /// <summary>Receives the normalised frames as the front end releases them (live classification); null for none.</summary>
    public INormalizedFrameObserver? FrameObserver
    {
        get => _frontEnd.FrameObserver;
        set => _frontEnd.FrameObserver = value;
    }

    public double FinalizedSeconds => _decoder.FinalizedSeconds;

    /// <summary>
    /// Frames between the audio frame holding a sound's end arriving and the sound's emission, at most (plus the
    /// batcher's wait and run): front-end latency, emission look-ahead, the wait for the next window, decoder look-ahead
    /// and one step. Frames leave the front end in normalisation blocks, which the front-end latency already counts;
    /// when the hop and the block divide one another the window waits only for the longer of the two.
    /// </summary>
    public int MaxLatencyFrames
    {
        get
        {
            int block = _frontEnd.BlockFrames;
            int hop = Options.HopFrames;
            int windowWait = hop % block == 0 || block % hop == 0 ? Math.Max(hop, block) - block : hop - 1;
            return _frontEnd.LatencyFrames + Options.LookaheadFrames + windowWait + _decoder.MaxDelayFrames + 1;
        }
    }

    /// <summary><see cref="MaxLatencyFrames"/> in seconds.</summary>
    public double MaxLatencySeconds => MaxLatencyFrames / _frameRate;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // the per-chunk box is pooled: no allocation per push
    public async ValueTask PushAsync(ReadOnlyMemory<float> audio, List<HeartSound> finalized, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        if (_flushed)
        {
            throw new InvalidOperationException("the stream was flushed; create a new analyzer for a new stream");
        }

        while (!audio.IsEmpty)
        {
            int n = Math.Min(audio.Length, StreamingFrontEnd.ChunkSamples);
            int start = finalized.Count;
            _windows.Append(_frontEnd.Process(audio.Span[..n]));
            while (_windows.NextWindow(final: false, out long end, out long until))
            {
                await RunWindowAsync(end, until, finalized, cancellationToken).ConfigureAwait(false);
            }

            _frontEnd.FinishSounds(finalized, start, _offset);
            audio = audio[n..];
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(List<HeartSound> finalized, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(finalized);
        if (_flushed)
        {
            return;
        }

        int start = finalized.Count;
        _windows.Append(_frontEnd.Flush());
        while (_windows.NextWindow(final: true, out long end, out long until))
        {
            await RunWindowAsync(end, until, finalized, cancellationToken).ConfigureAwait(false);
        }

        int decoded = finalized.Count;
        _decoder.Flush(finalized);
        DropUnheard(finalized, decoded);
        _frontEnd.FinishSounds(finalized, start, _offset);
        _flushed = true;
    }

    /// <summary>Blocks until the batcher answered; the pipeline calls <see cref="PushAsync"/> instead.</summary>
    public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized)
    {
        if (_syncAudio.Length < audio.Length)
        {
            _syncAudio = new float[audio.Length];
        }

        audio.CopyTo(_syncAudio);
        PushAsync(_syncAudio.AsMemory(0, audio.Length), finalized).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Blocks until the batcher answered; the pipeline calls <see cref="FlushAsync"/> instead.</summary>
    public void Flush(List<HeartSound> finalized) => FlushAsync(finalized).AsTask().GetAwaiter().GetResult();

    /// <summary>Runs the window of frames end − W .. end − 1 and hands frames up to <paramref name="until"/> to the decoder.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RunWindowAsync(long end, long until, List<HeartSound> finalized, CancellationToken cancellationToken)
    {
        _windows.FillWindow(end, _request.Input);
        await _request.SubmitAsync(cancellationToken).ConfigureAwait(false);
        Emit(end, until, finalized);
    }

    private void Emit(long end, long until, List<HeartSound> finalized)
    {
        long firstFrame = _windows.Emitted;
        int count = _windows.Emit(end, until, _request.Output, _posteriors);
        for (int i = 0; i < count; i++)
        {
            long f = firstFrame + i;
            _envelope[i] = _windows.Feature(f, (int)FeatureChannel.Homomorphic);
            if (_heard.Length > 0)
            {
                int heard = (int)(f % HeardRingFrames) * 2;
                _heard[heard] = _posteriors[(i * S) + (int)HeartState.S1];
                _heard[heard + 1] = _posteriors[(i * S) + (int)HeartState.S2];
            }
        }

        if (count > 0)
        {
            PosteriorObserver?.OnPosteriors(_posteriors.AsSpan(0, count * S), firstFrame);
            int before = finalized.Count;
            _decoder.Push(_posteriors.AsSpan(0, count * S), _envelope.AsSpan(0, count), finalized);
            DropUnheard(finalized, before);
        }
    }

    /// <summary>Removes sounds (from <paramref name="start"/> on) whose mean posterior of their type is below the option's minimum.</summary>
    private void DropUnheard(List<HeartSound> finalized, int start)
    {
        if (_heard.Length == 0)
        {
            return;
        }

        for (int i = finalized.Count - 1; i >= start; i--)
        {
            HeartSound sound = finalized[i];
            (long first, long last) = HeardSounds.Frames(sound, _offset, _frameRate);
            long emitted = _windows.Emitted;
            first = Math.Max(first, emitted - HeardRingFrames);
            last = Math.Min(last, emitted);
            if (HeardSounds.Mean(_heard, HeardRingFrames, 2, sound.Type == SoundType.S1 ? 0 : 1, first, last) < _minPosterior)
            {
                finalized.RemoveAt(i);
            }
        }
    }
}
