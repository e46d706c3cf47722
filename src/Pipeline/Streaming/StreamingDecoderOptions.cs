namespace HeartStream.Pipeline.Streaming;

/// <summary>
/// How a <see cref="StreamingHsmmDecoder"/> trades CPU for agreement with the offline decoder. The HSMM is re-run over
/// the last <see cref="HistorySeconds"/> every <see cref="StepSeconds"/> of new frames; a sound becomes final once its
/// end is <see cref="LookaheadSeconds"/> behind the newest frame, because Viterbi decisions near the end of a window
/// still change as frames arrive and settle about a cycle or two back. Re-estimating the heart rate (two
/// autocorrelations and up to five HSMM passes) only every <see cref="HeartRateIntervalSeconds"/> keeps most decodes
/// to a single pass; a heart rate drifts over tens of seconds, not within one.
/// </summary>
public sealed record StreamingDecoderOptions
{
    /// <summary>Longest look-ahead accepted: the live service promises sounds within about two seconds.</summary>
    public const double MaxLookaheadSeconds = 2.0;

    /// <summary>
    /// The tuned defaults. CirCor test split (74 recordings, F1 at 60 ms): 0.901 against the annotations live vs 0.907
    /// offline, 0.898 against the offline sounds. Steady-state decoder cost about 220k frames per CPU-second (the
    /// heart-rate choice over 30 s, every 10 s, dominates; every 2 s would cost 4x for no measured gain). A 1 s step
    /// beats 0.5 s on agreement (sounds get 2–3 s of look-ahead instead of 2–2.5 s) at half the cost. Settings that fit
    /// a 2.5 s p99 latency (look-ahead 1 s, step 0.5 or 0.25 s) lose 0.017–0.018 F1 against the annotations
    /// (`heartstream bench streaming-agreement`, table in docs/PERFORMANCE.md), so they stay opt-in.
    /// </summary>
    public static StreamingDecoderOptions Default { get; } = new();

    /// <summary>Frames decoded per step, in seconds (the window ending at the newest frame).</summary>
    public double HistorySeconds { get; init; } = 8.0;

    /// <summary>How often the window is re-decoded, in seconds of new frames.</summary>
    public double StepSeconds { get; init; } = 1.0;

    /// <summary>A sound is final once its end lies this far behind the newest frame (at most 2 s).</summary>
    public double LookaheadSeconds { get; init; } = 2.0;

    /// <summary>
    /// How often the heart rate is re-chosen (HSMM path score over candidates), in seconds of new frames, once the
    /// heart-rate window is full; before that it is re-chosen at every step.
    /// </summary>
    public double HeartRateIntervalSeconds { get; init; } = 10.0;

    /// <summary>
    /// While the heart-rate window is still filling, the rate is re-chosen once the frames seen have grown by this
    /// fraction since the last choice (0 = at every step). Early choices rest on few cycles, so they are worth
    /// revisiting, but a choice over n frames costs O(n) and re-choosing every step makes the first
    /// <see cref="HeartRateHistorySeconds"/> of a stream cost several times the steady state. Measured on the CirCor test
    /// split (`bench streaming-agreement --hr-growth`): 0.25 cuts the decoder's rate choices from 55 to 25 per minute
    /// but F1 against the offline sounds falls 0.898 -> 0.890 (0.5: 0.887), so the default stays 0; an opt-in for
    /// deployments that trade agreement in a stream's first half-minute for capacity.
    /// </summary>
    public double HeartRateFillingGrowth { get; init; }

    /// <summary>
    /// Frames the heart rate is chosen over, in seconds (the window ending at the newest frame). Longer than the decode
    /// window because the rate needs many cycles to be told from its double or half, while a sound's placement needs
    /// only a few; the offline analyser chooses it over the whole recording.
    /// </summary>
    public double HeartRateHistorySeconds { get; init; } = 30.0;

    /// <summary>Seconds to whole frames at <paramref name="frameRate"/>.</summary>
    public static int ToFrames(double seconds, double frameRate) => (int)Math.Round(seconds * frameRate);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent option.</summary>
    public void Validate(double frameRate = AnalysisRate.FrameRate)
    {
        if (!(StepSeconds > 0) || !double.IsFinite(StepSeconds) || ToFrames(StepSeconds, frameRate) < 1)
        {
            throw new ArgumentException($"{nameof(StepSeconds)} must be at least one frame (1/{frameRate} s), got {StepSeconds}");
        }

        if (!(LookaheadSeconds >= 0 && LookaheadSeconds <= MaxLookaheadSeconds))
        {
            throw new ArgumentException($"{nameof(LookaheadSeconds)} must lie in 0..{MaxLookaheadSeconds} s, got {LookaheadSeconds}");
        }

        if (!(HeartRateIntervalSeconds > 0) || !double.IsFinite(HeartRateIntervalSeconds))
        {
            throw new ArgumentException($"{nameof(HeartRateIntervalSeconds)} must be a positive number of seconds, got {HeartRateIntervalSeconds}");
        }

        if (!(HeartRateFillingGrowth >= 0 && HeartRateFillingGrowth <= 10))
        {
            throw new ArgumentException($"{nameof(HeartRateFillingGrowth)} must lie in 0..10 (a fraction of the frames seen), got {HeartRateFillingGrowth}");
        }

        if (!(HeartRateHistorySeconds >= 1) || !(HeartRateHistorySeconds <= 120))
        {
            throw new ArgumentException($"{nameof(HeartRateHistorySeconds)} must lie in 1..120 s, got {HeartRateHistorySeconds}");
        }

        // The window must reach at least a second (a cycle at 60 bpm) behind the oldest sound it can still finalise.
        double least = LookaheadSeconds + StepSeconds + 1.0;
        if (!(HistorySeconds >= least) || !(HistorySeconds <= 60) || !double.IsFinite(HistorySeconds))
        {
            throw new ArgumentException($"{nameof(HistorySeconds)} must lie in look-ahead + step + 1 s ({least:0.##} s) .. 60 s, got {HistorySeconds}");
        }
    }
}
