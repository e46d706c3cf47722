using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HeartStream.Pipeline.Features;

/// <summary>
/// Every number that shapes the features. Training and serving must agree on all of them, so the model manifest
/// carries <see cref="Hash"/> and the live service refuses a model whose hash differs. Change
/// <see cref="Algorithm"/> whenever the code changes what these numbers mean.
/// </summary>
public sealed record FeatureSettings
{
    /// <summary>Default settings (the ones models are trained with unless stated otherwise).</summary>
    public static FeatureSettings Default { get; } = new();

    /// <summary>Names the algorithm version; part of the hash.</summary>
    public string Algorithm { get; init; } = "springer-stream-v1";

    /// <summary>Input audio rate (Hz); must equal <see cref="AnalysisRate.SampleRate"/>.</summary>
    public int SampleRate { get; init; } = AnalysisRate.SampleRate;

    /// <summary>Feature frames per second; must equal <see cref="AnalysisRate.FrameRate"/>.</summary>
    public int FrameRate { get; init; } = AnalysisRate.FrameRate;

    /// <summary>Channels per frame (see <see cref="FeatureChannel"/>); fixed at 4.</summary>
    public int Channels { get; init; } = 4;

    /// <summary>Frames per model window (256 = 5.12 s).</summary>
    public int WindowFrames { get; init; } = 256;

    /// <summary>Frames between window starts (64 = 1.28 s).</summary>
    public int HopFrames { get; init; } = 64;

    /// <summary>
    /// Frames per block of the live normaliser (<see cref="StreamingFeatureNormalizer"/>): each block is z-scored with
    /// the statistics of the trailing <see cref="WindowFrames"/> frames that end with it, so its look-ahead is one
    /// block (0.5 s), not a whole window.
    /// </summary>
    public int NormalizationBlockFrames { get; init; } = 25;

    /// <summary>Pre-processing band-pass low edge (Hz).</summary>
    public double BandPassLowHz { get; init; } = 25;

    /// <summary>Pre-processing band-pass high edge (Hz).</summary>
    public double BandPassHighHz { get; init; } = 400;

    /// <summary>Butterworth prototype order of the pre-processing band-pass (order 4 → 8 poles, 4 sections).</summary>
    public int BandPassOrder { get; init; } = 4;

    /// <summary>Spike-removal block length (s).</summary>
    public double SpikeBlockSeconds { get; init; } = 0.5;

    /// <summary>Blocks (this one included) whose maxima form the spike reference median.</summary>
    public int SpikeHistoryBlocks { get; init; } = 15;

    /// <summary>A block maximum above this × median is a spike.</summary>
    public double SpikeThresholdFactor { get; init; } = 3;

    /// <summary>Most lobes zeroed per block.</summary>
    public int SpikeMaxRemovalsPerBlock { get; init; } = 8;

    /// <summary>Length of the FIR Hilbert transformer and the wavelet-band FIR; (taps-1)/2 must be whole frames.</summary>
    public int FirTaps { get; init; } = 241;

    /// <summary>Cut-off of the homomorphic low-pass on log-envelope (Hz).</summary>
    public double HomomorphicCutoffHz { get; init; } = 8;

    /// <summary>Order of the homomorphic low-pass.</summary>
    public int HomomorphicOrder { get; init; } = 2;

    /// <summary>Anti-alias low-pass applied to the other envelopes before taking every 40th sample (Hz).</summary>
    public double EnvelopeCutoffHz { get; init; } = 20;

    /// <summary>Order of the anti-alias low-pass.</summary>
    public int EnvelopeOrder { get; init; } = 4;

    /// <summary>Band-power (PSD) band low edge (Hz).</summary>
    public double PowerBandLowHz { get; init; } = 40;

    /// <summary>Band-power (PSD) band high edge (Hz).</summary>
    public double PowerBandHighHz { get; init; } = 60;

    /// <summary>Butterworth prototype order of the band-power filter.</summary>
    public int PowerBandOrder { get; init; } = 2;

    /// <summary>Wavelet-band low edge (Hz): level-3 detail of a 2 kHz DWT spans fs/16..fs/8.</summary>
    public double WaveletLowHz { get; init; } = 125;

    /// <summary>Wavelet-band high edge (Hz).</summary>
    public double WaveletHighHz { get; init; } = 250;

    /// <summary>Floor of the Hilbert envelope before the logarithm, so silence gives a finite value.</summary>
    public double LogFloor { get; init; } = 1e-10;

    /// <summary>Absolute floor on a channel's standard deviation when z-scoring.</summary>
    public double NormalizationEpsilon { get; init; } = 1e-6;

    /// <summary>Floor on the standard deviation relative to the channel's mean magnitude (constant channels give 0, not rounding noise).</summary>
    public double NormalizationRelativeFloor { get; init; } = 1e-3;

    /// <summary>Audio samples per frame.</summary>
    public int SamplesPerFrame => SampleRate / FrameRate;

    /// <summary>Spike block length in samples.</summary>
    public int SpikeBlockSamples => (int)Math.Round(SpikeBlockSeconds * SampleRate);

    /// <summary>Floats in one normalised window (Channels × WindowFrames).</summary>
    public int WindowLength => Channels * WindowFrames;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that the feature code cannot honour.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException("Invalid feature settings: " + message);
            }
        }

        Require(!string.IsNullOrWhiteSpace(Algorithm), "Algorithm must be named.");
        Require(SampleRate == AnalysisRate.SampleRate, $"SampleRate must be {AnalysisRate.SampleRate} Hz (resample first), got {SampleRate}.");
        Require(FrameRate == AnalysisRate.FrameRate, $"FrameRate must be {AnalysisRate.FrameRate}, got {FrameRate}.");
        Require(Channels == 4, $"Channels must be 4 (homomorphic, Hilbert, band power, wavelet), got {Channels}.");
        Require(WindowFrames >= 2, $"WindowFrames must be at least 2, got {WindowFrames}.");
        Require(HopFrames >= 1 && HopFrames <= WindowFrames, $"HopFrames must be 1..WindowFrames ({WindowFrames}), got {HopFrames}.");
        Require(NormalizationBlockFrames >= 1 && NormalizationBlockFrames <= WindowFrames, $"NormalizationBlockFrames must be 1..WindowFrames ({WindowFrames}), got {NormalizationBlockFrames}.");
        double nyquist = SampleRate / 2.0;
        Require(BandPassLowHz > 0 && BandPassLowHz < BandPassHighHz && BandPassHighHz < nyquist, $"band-pass edges {BandPassLowHz}..{BandPassHighHz} Hz must lie in (0, {nyquist}).");
        Require(PowerBandLowHz > 0 && PowerBandLowHz < PowerBandHighHz && PowerBandHighHz < nyquist, $"power band {PowerBandLowHz}..{PowerBandHighHz} Hz must lie in (0, {nyquist}).");
        Require(WaveletLowHz > 0 && WaveletLowHz < WaveletHighHz && WaveletHighHz < nyquist, $"wavelet band {WaveletLowHz}..{WaveletHighHz} Hz must lie in (0, {nyquist}).");
        Require(HomomorphicCutoffHz > 0 && HomomorphicCutoffHz < nyquist, $"HomomorphicCutoffHz {HomomorphicCutoffHz} must lie in (0, {nyquist}).");
        Require(EnvelopeCutoffHz > 0 && EnvelopeCutoffHz < nyquist, $"EnvelopeCutoffHz {EnvelopeCutoffHz} must lie in (0, {nyquist}).");
        Require(BandPassOrder is >= 1 and <= 8 && PowerBandOrder is >= 1 and <= 8 && HomomorphicOrder is >= 1 and <= 8 && EnvelopeOrder is >= 1 and <= 8, "filter orders must be 1..8.");
        Require(SpikeBlockSamples >= 2 && SpikeBlockSamples % SamplesPerFrame == 0, $"SpikeBlockSeconds must give a whole number of frames, got {SpikeBlockSeconds} s.");
        Require(SpikeHistoryBlocks >= 1, $"SpikeHistoryBlocks must be at least 1, got {SpikeHistoryBlocks}.");
        Require(SpikeThresholdFactor > 1, $"SpikeThresholdFactor must exceed 1, got {SpikeThresholdFactor}.");
        Require(SpikeMaxRemovalsPerBlock >= 0, $"SpikeMaxRemovalsPerBlock must be >= 0, got {SpikeMaxRemovalsPerBlock}.");
        Require(FirTaps >= 3 && FirTaps % 2 == 1 && ((FirTaps - 1) / 2) % SamplesPerFrame == 0, $"FirTaps must be odd with (FirTaps-1)/2 a multiple of {SamplesPerFrame} (e.g. 81, 161, 241), got {FirTaps}.");
        Require(LogFloor > 0 && NormalizationEpsilon > 0 && NormalizationRelativeFloor >= 0, "LogFloor and NormalizationEpsilon must be > 0, NormalizationRelativeFloor >= 0.");
    }

    /// <summary>Canonical text: one <c>name=value</c> line per setting, fixed order, invariant culture, round-trip numbers.</summary>
    public string CanonicalText()
    {
        var sb = new StringBuilder();
        void Add(string name, object value) => sb.Append(name).Append('=').Append(Format(value)).Append('\n');
        Add(nameof(Algorithm), Algorithm);
        Add(nameof(SampleRate), SampleRate);
        Add(nameof(FrameRate), FrameRate);
        Add(nameof(Channels), Channels);
        Add(nameof(WindowFrames), WindowFrames);
        Add(nameof(HopFrames), HopFrames);
        Add(nameof(NormalizationBlockFrames), NormalizationBlockFrames);
        Add(nameof(BandPassLowHz), BandPassLowHz);
        Add(nameof(BandPassHighHz), BandPassHighHz);
        Add(nameof(BandPassOrder), BandPassOrder);
        Add(nameof(SpikeBlockSeconds), SpikeBlockSeconds);
        Add(nameof(SpikeHistoryBlocks), SpikeHistoryBlocks);
        Add(nameof(SpikeThresholdFactor), SpikeThresholdFactor);
        Add(nameof(SpikeMaxRemovalsPerBlock), SpikeMaxRemovalsPerBlock);
        Add(nameof(FirTaps), FirTaps);
        Add(nameof(HomomorphicCutoffHz), HomomorphicCutoffHz);
        Add(nameof(HomomorphicOrder), HomomorphicOrder);
        Add(nameof(EnvelopeCutoffHz), EnvelopeCutoffHz);
        Add(nameof(EnvelopeOrder), EnvelopeOrder);
        Add(nameof(PowerBandLowHz), PowerBandLowHz);
        Add(nameof(PowerBandHighHz), PowerBandHighHz);
        Add(nameof(PowerBandOrder), PowerBandOrder);
        Add(nameof(WaveletLowHz), WaveletLowHz);
        Add(nameof(WaveletHighHz), WaveletHighHz);
        Add(nameof(LogFloor), LogFloor);
        Add(nameof(NormalizationEpsilon), NormalizationEpsilon);
        Add(nameof(NormalizationRelativeFloor), NormalizationRelativeFloor);
        return sb.ToString();
    }

    /// <summary>Lower-case hex SHA-256 of <see cref="CanonicalText"/>: equal hashes mean identical features.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText())));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
