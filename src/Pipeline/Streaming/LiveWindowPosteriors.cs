using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// How the live path serves a segmenter network over a stream of normalised frames (<see cref="NeuralStreamingOptions"/>):
/// every hop a window of the last W frames (zeros before the stream's start) runs through the network, and frames that
/// then have the look-ahead's future inside it take their posteriors from it (or, with averaging, the tent-weighted mean
/// of every window that gave them at least that many future frames, up to it). At the stream's end one last window ends
/// at the last frame and gives the rest. The live analyzer (<see cref="Live.NeuralSegmentationAnalyzer"/>) and the
/// offline <see cref="Inference.Models.LiveContextEmissionModel"/> both run this one class, so a recording analysed
/// offline in live context gets exactly the posteriors its live stream got.
/// </summary>
/// <remarks>
/// The caller runs the network: <see cref="NextWindow"/> says which window is due, <see cref="FillWindow"/> writes its
/// input, <see cref="Emit"/> takes its output. Window ends sit at fixed multiples of the hop in stream frames, so how the
/// frames were appended (chunk sizes) does not change the posteriors. Nothing here allocates after construction.
/// </remarks>
public sealed class LiveWindowPosteriors
{
    private const int S = LogisticEmissionModel.States;

    private readonly int _channels;
    private readonly int _window;
    private readonly int _hop;
    private readonly int _lookahead;
    private readonly int _averaging;       // -1: one window per frame; else min future frames of an averaged window
    private readonly int _ringFrames;
    private readonly int _maxAppend;
    private readonly float[] _ring;        // normalised frames, frame-major, slot = frame % _ringFrames
    private readonly float[] _sum;         // averaging: weighted posterior sums, slot = frame % _ringFrames, state-minor
    private readonly float[] _weight;      // averaging: weight sums per slot
    private long _frames;                  // frames appended
    private long _nextEnd;                 // end (exclusive) of the next hop window
    private long _emitted;                 // frames given posteriors

    /// <param name="channels">Feature channels per frame.</param>
    /// <param name="windowFrames">The live window (<see cref="NeuralStreamingOptions.ResolveWindowFrames"/>).</param>
    /// <param name="options">Hop, look-ahead and averaging (already validated for this window).</param>
    /// <param name="maxAppendFrames">Most frames one <see cref="Append"/> adds between windows.</param>
    public LiveWindowPosteriors(int channels, int windowFrames, NeuralStreamingOptions options, int maxAppendFrames)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAppendFrames);
        if (options.HopFrames < 1 || options.LookaheadFrames < 0 || options.HopFrames + options.LookaheadFrames > windowFrames
            || options.AveragingLookaheadFrames < -1 || options.AveragingLookaheadFrames > options.LookaheadFrames)
        {
            throw new ArgumentException($"hop {options.HopFrames}, look-ahead {options.LookaheadFrames} and averaging {options.AveragingLookaheadFrames} do not fit a window of {windowFrames} frames", nameof(options));
        }

        _channels = channels;
        _window = windowFrames;
        _hop = options.HopFrames;
        _lookahead = options.LookaheadFrames;
        _averaging = options.AveragingLookaheadFrames;
        _maxAppend = maxAppendFrames;
        _ringFrames = _window + _hop + maxAppendFrames; // a window, a hop and the most one append brings
        _ring = new float[_ringFrames * _channels];
        _sum = _averaging < 0 ? [] : new float[_ringFrames * S];
        _weight = _averaging < 0 ? [] : new float[_ringFrames];
        _nextEnd = _hop;
    }

    /// <summary>Frames per window (the network's input length).</summary>
    public int WindowFrames => _window;

    /// <summary>Most frames one <see cref="Emit"/> gives posteriors (the last window of a stream gives the most).</summary>
    public int MaxEmitFrames => _hop + _lookahead + 1;

    /// <summary>Frames appended so far.</summary>
    public long Frames => _frames;

    /// <summary>Frames given posteriors so far (frames 0 .. Emitted − 1).</summary>
    public long Emitted => _emitted;

    /// <summary>Adds frame-major normalised frames (at most the constructor's maximum at a time).</summary>
    public void Append(ReadOnlySpan<float> frames)
    {
        int count = frames.Length / _channels;
        if (count > _maxAppend)
        {
            throw new ArgumentException($"at most {_maxAppend} frames may be appended between windows, got {count}", nameof(frames));
        }

        for (int f = 0; f < count; f++)
        {
            int slot = (int)((_frames + f) % _ringFrames);
            frames.Slice(f * _channels, _channels).CopyTo(_ring.AsSpan(slot * _channels, _channels));
        }

        _frames += count;
    }

    /// <summary>
    /// The next window due: its <paramref name="end"/> (exclusive) and the frame <paramref name="until"/> which (exclusive)
    /// it gives posteriors. Hop windows are due once their end has arrived; those that would give no frame anything (the
    /// first hops of a stream) are skipped. With <paramref name="final"/> (the stream ended), after the hop windows one
    /// window ending at the last frame gives every frame left. False when none is due.
    /// </summary>
    public bool NextWindow(bool final, out long end, out long until)
    {
        while (_nextEnd <= _frames)
        {
            end = _nextEnd;
            until = end - _lookahead;
            long contributes = _averaging < 0 ? until : end - _averaging; // frames before this take part in this window
            if (Math.Max(until, contributes) > _emitted)
            {
                return true;
            }

            _nextEnd += _hop;
        }

        if (final && _emitted < _frames)
        {
            end = _frames;
            until = _frames;
            return true;
        }

        end = 0;
        until = 0;
        return false;
    }

    /// <summary>Frames end − W .. end − 1 into <paramref name="input"/>, channel-major [C, W]; zeros before the stream's start.</summary>
    public void FillWindow(long end, Span<float> input)
    {
        int w = _window;
        long first = end - w;
        for (int t = 0; t < w; t++)
        {
            long f = first + t;
            if (f < 0)
            {
                for (int k = 0; k < _channels; k++)
                {
                    input[(k * w) + t] = 0;
                }

                continue;
            }

            int slot = (int)(f % _ringFrames) * _channels;
            for (int k = 0; k < _channels; k++)
            {
                input[(k * w) + t] = _ring[slot + k];
            }
        }
    }

    /// <summary>
    /// Takes the network's <paramref name="output"/> ([4, W], state-major) for the window ending at <paramref name="end"/>
    /// that <see cref="NextWindow"/> named and writes the posteriors of frames <see cref="Emitted"/> .. until − 1 into
    /// <paramref name="posteriors"/> (frame-major, 4 per frame); returns how many frames that was.
    /// </summary>
    public int Emit(long end, long until, ReadOnlySpan<float> output, Span<float> posteriors)
    {
        int w = _window;
        long first = end - w;
        if (_averaging >= 0)
        {
            Accumulate(output, first, Math.Max(_emitted, first), end - _averaging);
        }

        int count = (int)(until - _emitted);
        for (int i = 0; i < count; i++)
        {
            long f = _emitted + i;
            int p = (int)(f - first);
            int slot = (int)(f % _ringFrames);
            float weight = _averaging < 0 ? 0 : _weight[slot];
            if (weight > 0)
            {
                for (int s = 0; s < S; s++)
                {
                    posteriors[(i * S) + s] = _sum[(slot * S) + s] / weight;
                    _sum[(slot * S) + s] = 0;
                }

                _weight[slot] = 0;
            }
            else
            {
                for (int s = 0; s < S; s++)
                {
                    posteriors[(i * S) + s] = output[(s * w) + p];
                }
            }
        }

        if (count > 0)
        {
            _emitted = until;
        }

        if (end == _nextEnd)
        {
            _nextEnd += _hop;
        }

        return Math.Max(count, 0);
    }

    /// <summary>Channel <paramref name="channel"/> of a frame still in the ring (the last window and the frames after it).</summary>
    public float Feature(long frame, int channel) => _ring[((int)(frame % _ringFrames) * _channels) + channel];

    /// <summary>Adds the window starting at <paramref name="first"/>, tent-weighted, to the sums of frames <paramref name="from"/> .. <paramref name="to"/> − 1.</summary>
    private void Accumulate(ReadOnlySpan<float> output, long first, long from, long to)
    {
        int w = _window;
        for (long f = from; f < to; f++)
        {
            int p = (int)(f - first);
            float weight = Math.Min(p + 1, w - p);
            int slot = (int)(f % _ringFrames);
            for (int s = 0; s < S; s++)
            {
                _sum[(slot * S) + s] += weight * output[(s * w) + p];
            }

            _weight[slot] += weight;
        }
    }
}
