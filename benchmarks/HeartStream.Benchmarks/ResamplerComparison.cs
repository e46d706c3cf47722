using System.Globalization;
using BenchmarkDotNet.Attributes;
using HeartStream.Capture.Audio;
using NAudio.Dsp;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace HeartStream.Benchmarks;

/// <summary>
/// Our streaming resampler against NAudio.Core's managed one (WDL) on the conversions HeartStream does
/// (4000 and 44100 Hz recordings to the 2000 Hz analysis rate): quality on a stepped sine sweep
/// (<see cref="PrintQuality"/>, <c>-- resampler-quality</c>) and speed (<see cref="ResamplerSpeedBenchmarks"/>).
/// Synthetic tones: these are filter measurements, not heart sounds.
/// </summary>
public static class ResamplerComparison
{
    public const int OutputRate = 2000;

    /// <summary>The contenders: ours, NAudio's sample provider as it ships (IIR + linear interpolation), WDL in sinc mode.</summary>
    public static readonly string[] Names = ["heartstream-polyphase", "naudio-wdl-default", "naudio-wdl-sinc"];

    /// <summary>Resamples a whole signal with the named resampler, fed in 20-ms blocks as live audio arrives.</summary>
    public static float[] Run(string name, float[] input, int inputRate) => name switch
    {
        "heartstream-polyphase" => RunOurs(input, inputRate),
        "naudio-wdl-default" => RunNAudio(new WdlResamplingSampleProvider(new ArraySampleProvider(input, inputRate), OutputRate)),
        "naudio-wdl-sinc" => RunNAudio(new WdlSincProvider(new ArraySampleProvider(input, inputRate), OutputRate)),
        _ => throw new ArgumentException($"unknown resampler '{name}'", nameof(name)),
    };

    /// <summary>Prints pass-band ripple, alias rejection and timing of each resampler for 4000 and 44100 Hz input.</summary>
    public static void PrintQuality(TextWriter output)
    {
        output.WriteLine("resampler quality, stepped sine sweep (synthetic tones), output 2000 Hz");
        output.WriteLine("pass band 20-900 Hz every 10 Hz; alias band: every input tone from 1100 Hz to 0.95 x input Nyquist, every 25 Hz");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"input",6} {"resampler",-22} {"ripple dB",10} {"gain@900",9} {"alias dB",9} {"delay ms",9} {"delay spread ms",16}"));
        foreach (int inputRate in new[] { 4000, 44100 })
        {
            foreach (string name in Names)
            {
                (double ripple, double gain900, double alias, double delay, double spread) = Measure(name, inputRate);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{inputRate,6} {name,-22} {ripple,10:F4} {gain900,9:F3} {alias,9:F1} {delay,9:F3} {spread,16:F3}"));
            }
        }

        output.WriteLine("ripple: max-min gain in the pass band; alias: worst output level of an out-of-band tone (dB re. input);");
        output.WriteLine("delay: output time of a pass-band tone minus its input time (0 = aligned), spread: max-min delay over the pass band");
    }

    private static (double Ripple, double Gain900, double Alias, double DelayMs, double SpreadMs) Measure(string name, int inputRate)
    {
        const double seconds = 2.0;
        double minGain = double.MaxValue, maxGain = double.MinValue, gain900 = 0;
        double minDelay = double.MaxValue, maxDelay = double.MinValue, delay100 = 0;
        for (int f = 20; f <= 900; f += 10)
        {
            float[] tone = Tone(f, inputRate, seconds);
            float[] y = Run(name, tone, inputRate);
            (double amplitude, double phase) = Fit(y, f, OutputRate, seconds);
            double gain = 20 * Math.Log10(amplitude);
            minGain = Math.Min(minGain, gain);
            maxGain = Math.Max(maxGain, gain);
            if (f == 900)
            {
                gain900 = gain;
            }

            // The input is sin(2 pi f t); the fitted output is sin(2 pi f t + phase): delay = -phase / (2 pi f),
            // unwrapped to the nearest multiple of the period closest to the 100-Hz delay.
            double delay = -phase / (2 * Math.PI * f);
            if (f > 20)
            {
                double period = 1.0 / f;
                delay += Math.Round((delay100 - delay) / period) * period;
            }

            if (f == 100 || f == 20)
            {
                delay100 = delay;
            }

            minDelay = Math.Min(minDelay, delay);
            maxDelay = Math.Max(maxDelay, delay);
        }

        double alias = double.MinValue;
        for (int f = 1100; f <= 0.95 * inputRate / 2; f += 25)
        {
            float[] y = Run(name, Tone(f, inputRate, seconds), inputRate);
            alias = Math.Max(alias, 20 * Math.Log10(Rms(y, OutputRate, seconds) * Math.Sqrt(2)));
        }

        return (maxGain - minGain, gain900, alias, delay100 * 1000, (maxDelay - minDelay) * 1000);
    }

    private static float[] Tone(double f, int rate, double seconds)
    {
        var x = new float[(int)(rate * seconds)];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)Math.Sin(2 * Math.PI * f * i / rate);
        }

        return x;
    }

    /// <summary>Least-squares amplitude and phase of a tone of frequency f in the middle second of y.</summary>
    private static (double Amplitude, double Phase) Fit(float[] y, double f, int rate, double seconds)
    {
        int from = (int)(0.5 * rate), to = Math.Min(y.Length, (int)((seconds - 0.5) * rate));
        double ss = 0, sc = 0;
        for (int n = from; n < to; n++)
        {
            double w = 2 * Math.PI * f * n / rate;
            ss += y[n] * Math.Sin(w);
            sc += y[n] * Math.Cos(w);
        }

        double count = to - from;
        double a = 2 * ss / count, b = 2 * sc / count; // y ~ a sin + b cos = A sin(w + phase)
        return (Math.Sqrt((a * a) + (b * b)), Math.Atan2(b, a));
    }

    private static double Rms(float[] y, int rate, double seconds)
    {
        int from = (int)(0.5 * rate), to = Math.Min(y.Length, (int)((seconds - 0.5) * rate));
        double sum = 0;
        for (int n = from; n < to; n++)
        {
            sum += y[n] * (double)y[n];
        }

        return Math.Sqrt(sum / Math.Max(1, to - from));
    }

    private static float[] RunOurs(float[] input, int inputRate)
    {
        var resampler = new StreamingResampler(inputRate, OutputRate);
        int block = inputRate / 50;
        var output = new float[resampler.MaxOutput(input.Length) + resampler.MaxOutput(block) + 16];
        int written = 0;
        for (int start = 0; start < input.Length; start += block)
        {
            int n = Math.Min(block, input.Length - start);
            written += resampler.Process(input.AsSpan(start, n), output.AsSpan(written));
        }

        return output[..written];
    }

    private static float[] RunNAudio(ISampleProvider provider)
    {
        var output = new List<float>();
        var block = new float[OutputRate / 50];
        int n;
        while ((n = provider.Read(block)) > 0)
        {
            output.AddRange(block.AsSpan(0, n));
        }

        return [.. output];
    }

    /// <summary>A mono float array as an NAudio sample provider.</summary>
    public sealed class ArraySampleProvider : ISampleProvider
    {
        private readonly float[] _samples;
        private int _position;

        public ArraySampleProvider(float[] samples, int rate)
        {
            _samples = samples;
            WaveFormat = WaveFormat.CreateIeeeFloatWaveFormat(rate, 1);
        }

        public WaveFormat WaveFormat { get; }

        public void Rewind() => _position = 0;

        public int Read(Span<float> buffer)
        {
            int n = Math.Min(buffer.Length, _samples.Length - _position);
            _samples.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }

    /// <summary>NAudio's WDL resampler in its windowed-sinc mode (64 taps, 32 interpolated sub-phases).</summary>
    public sealed class WdlSincProvider : ISampleProvider
    {
        private readonly WdlResampler _resampler = new();
        private readonly ISampleProvider _source;

        public WdlSincProvider(ISampleProvider source, int outputRate)
        {
            _source = source;
            WaveFormat = WaveFormat.CreateIeeeFloatWaveFormat(outputRate, 1);
            _resampler.SetMode(interp: true, filtercnt: 0, sinc: true);
            _resampler.SetFeedMode(wantInputDriven: false);
            _resampler.SetRates(source.WaveFormat.SampleRate, outputRate);
        }

        public WaveFormat WaveFormat { get; }

        public int Read(Span<float> buffer)
        {
            int need = _resampler.ResamplePrepare(buffer.Length, 1, out Span<float> input);
            int got = _source.Read(input[..need]);
            return _resampler.ResampleOut(buffer, got, buffer.Length, 1);
        }
    }
}

/// <summary>Speed: one second of audio resampled to 2000 Hz, in 20-ms blocks, per resampler and input rate.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ResamplerSpeedBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private StreamingResampler _ours = null!;
    private ResamplerComparison.ArraySampleProvider _source = null!;
    private ISampleProvider _wdl = null!;
    private ISampleProvider _wdlSinc = null!;

    [Params(4000, 44100)]
    public int InputRate { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _input = new float[InputRate];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[4 * ResamplerComparison.OutputRate];
        _ours = new StreamingResampler(InputRate, ResamplerComparison.OutputRate);
        _source = new ResamplerComparison.ArraySampleProvider(_input, InputRate);
        _wdl = new WdlResamplingSampleProvider(_source, ResamplerComparison.OutputRate);
        _wdlSinc = new ResamplerComparison.WdlSincProvider(_source, ResamplerComparison.OutputRate);
    }

    [Benchmark(Baseline = true, Description = "heartstream-polyphase")]
    public int Ours()
    {
        int block = InputRate / 50, written = 0;
        for (int start = 0; start < _input.Length; start += block)
        {
            written += _ours.Process(_input.AsSpan(start, block), _output.AsSpan(written % 2000));
        }

        return written;
    }

    [Benchmark(Description = "naudio-wdl-default")]
    public int NAudioDefault() => Drain(_wdl);

    [Benchmark(Description = "naudio-wdl-sinc")]
    public int NAudioSinc() => Drain(_wdlSinc);

    private int Drain(ISampleProvider provider)
    {
        _source.Rewind();
        int total = 0, n;
        while ((n = provider.Read(_output.AsSpan(0, ResamplerComparison.OutputRate / 50))) > 0)
        {
            total += n;
        }

        return total;
    }
}
