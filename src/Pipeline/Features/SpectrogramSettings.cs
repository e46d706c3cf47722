using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HeartStream.Pipeline.Features;

/// <summary>
/// Settings of the spectral front end (<see cref="StreamingSpectrogram"/>): a log-power short-time spectrum of the
/// 2 kHz analysis audio at the segmenter's 50 frames/s. Like <see cref="FeatureSettings"/>, a model trained on these
/// frames carries <see cref="Hash"/>, so serving can refuse a model computed with other settings.
/// </summary>
public sealed record SpectrogramSettings
{
    /// <summary>The settings of this version.</summary>
    public static SpectrogramSettings Default { get; } = new();

    /// <summary>Name and version of the algorithm; change it when the computation changes.</summary>
    public string Algorithm { get; init; } = "hann-logpower-v1";

    /// <summary>Input sample rate in Hz (the analysis rate).</summary>
    public int SampleRate { get; init; } = AnalysisRate.SampleRate;

    /// <summary>Frames per second (the segmenter's frame rate).</summary>
    public int FrameRate { get; init; } = AnalysisRate.FrameRate;

    /// <summary>Hann window length in samples (100 = 50 ms at 2 kHz).</summary>
    public int WindowSamples { get; init; } = 100;

    /// <summary>Centre frequency of the lowest bin in Hz.</summary>
    public double FirstBinHz { get; init; } = 25;

    /// <summary>Spacing of the bins in Hz.</summary>
    public double BinSpacingHz { get; init; } = 20;

    /// <summary>Number of bins (40: 25 to 805 Hz).</summary>
    public int Bins { get; init; } = 40;

    /// <summary>Power floor before the logarithm, relative to full scale (1e-10 = -100 dB).</summary>
    public double PowerFloor { get; init; } = 1e-10;

    /// <summary>Audio samples per frame (the hop).</summary>
    public int HopSamples => SampleRate / FrameRate;

    /// <summary>Centre frequency of bin <paramref name="k"/> in Hz.</summary>
    public double BinHz(int k) => FirstBinHz + (k * BinSpacingHz);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting the code cannot honour.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException("Invalid spectrogram settings: " + message);
            }
        }

        Require(!string.IsNullOrWhiteSpace(Algorithm), "Algorithm must be named.");
        Require(SampleRate == AnalysisRate.SampleRate, $"SampleRate must be {AnalysisRate.SampleRate} Hz (resample first), got {SampleRate}.");
        Require(FrameRate == AnalysisRate.FrameRate, $"FrameRate must be {AnalysisRate.FrameRate}, got {FrameRate}.");
        Require(WindowSamples >= HopSamples && WindowSamples <= 16 * HopSamples && (WindowSamples - HopSamples) % 2 == 0,
            $"WindowSamples must be {HopSamples}..{16 * HopSamples} and exceed the hop by an even number, got {WindowSamples}.");
        Require(Bins is >= 1 and <= 256, $"Bins must be 1..256, got {Bins}.");
        Require(FirstBinHz >= 0 && BinSpacingHz > 0 && BinHz(Bins - 1) < SampleRate / 2.0,
            $"bins {FirstBinHz}..{BinHz(Bins - 1)} Hz must lie in [0, {SampleRate / 2.0}).");
        Require(PowerFloor > 0, $"PowerFloor must be > 0, got {PowerFloor}.");
    }

    /// <summary>Canonical text: one <c>name=value</c> line per setting, fixed order, invariant culture.</summary>
    public string CanonicalText()
    {
        var sb = new StringBuilder();
        void Add(string name, object value) => sb.Append(name).Append('=')
            .Append(value is double d ? d.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture))
            .Append('\n');
        Add(nameof(Algorithm), Algorithm);
        Add(nameof(SampleRate), SampleRate);
        Add(nameof(FrameRate), FrameRate);
        Add(nameof(WindowSamples), WindowSamples);
        Add(nameof(FirstBinHz), FirstBinHz);
        Add(nameof(BinSpacingHz), BinSpacingHz);
        Add(nameof(Bins), Bins);
        Add(nameof(PowerFloor), PowerFloor);
        return sb.ToString();
    }

    /// <summary>SHA-256 of <see cref="CanonicalText"/>, lower-case hex.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText())));
}
