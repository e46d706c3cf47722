using System.Diagnostics;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Features;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Features;

public class StreamingSpectrogramTests(ITestOutputHelper output)
{
    private const int Bins = 40;

    private static string SamplePath => Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav"); // real, 2 kHz

    [Fact]
    public void Process_SyntheticSine_PeaksInItsBinAtItsPower()
    {
        // Synthetic tone: 0.5 full scale at 205 Hz, the centre of bin 9 (25 + 9 x 20).
        float[] audio = Enumerable.Range(0, 4000).Select(n => 0.5f * MathF.Sin(2 * MathF.PI * 205 * n / 2000f)).ToArray();
        float[] frames = Run(audio, chunk: audio.Length);

        for (int j = 10; j < 90; j++)
        {
            ReadOnlySpan<float> f = frames.AsSpan(j * Bins, Bins);
            Assert.Equal(9, IndexOfMax(f));
            Assert.InRange(f[9], MathF.Log(0.25f) - 0.01f, MathF.Log(0.25f) + 0.01f);
            for (int k = 0; k < Bins; k++)
            {
                if (Math.Abs(k - 9) >= 3)
                {
                    Assert.True(f[k] < f[9] - (2.5f * MathF.Log(10)), $"frame {j} bin {k} ({f[k]}) is not 25 dB below the tone ({f[9]})");
                }
            }
        }
    }

    [Fact]
    public void Process_Impulse_LandsInTheFrameWhoseAudioHoldsIt()
    {
        float[] audio = new float[2000];
        audio[(40 * 17) + 20] = 1; // the middle of audio frame 17
        float[] frames = Run(audio, chunk: 7);

        Assert.Equal(50, frames.Length / Bins);
        int loudest = Enumerable.Range(0, 50).MaxBy(j => frames.AsSpan(j * Bins, Bins).ToArray().Sum());
        Assert.Equal(17, loudest);
    }

    [Fact]
    public void Process_RealRecordingAnyChunking_BitwiseSameFrames()
    {
        float[] audio = WavReader.Read(SamplePath).Samples;
        float[] whole = Run(audio, chunk: audio.Length);
        var random = new Random(11);
        for (int trial = 0; trial < 5; trial++)
        {
            var spectrogram = new StreamingSpectrogram();
            var chunked = new List<float>();
            var buffer = new float[(audio.Length / 40 + 2) * Bins];
            for (int start = 0; start < audio.Length;)
            {
                int n = Math.Min(audio.Length - start, random.Next(1, 700));
                int got = spectrogram.Process(audio.AsSpan(start, n), buffer);
                chunked.AddRange(buffer.AsSpan(0, got * Bins));
                start += n;
            }

            int flushed = spectrogram.Flush(buffer);
            chunked.AddRange(buffer.AsSpan(0, flushed * Bins));
            Assert.Equal(whole, chunked.ToArray());
        }
    }

    [Fact]
    public void Process_SteadyState_AllocatesNothing()
    {
        float[] audio = WavReader.Read(SamplePath).Samples;
        var spectrogram = new StreamingSpectrogram();
        var frames = new float[(audio.Length / 40 + 2) * Bins];
        spectrogram.Process(audio.AsSpan(0, 4000), frames); // warm up
        long least = long.MaxValue;
        for (int round = 0; round < 6; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                spectrogram.Process(audio.AsSpan(4000 + (i * 333), 333), frames);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Process_NonFiniteSample_RefusedAndStateKept()
    {
        var spectrogram = new StreamingSpectrogram();
        var frames = new float[100 * Bins];

        Assert.Throws<ArgumentException>(() => spectrogram.Process([0f, float.NaN], frames));
        Assert.Equal(0, spectrogram.FramesEmitted);
        Assert.Equal(1, spectrogram.Process(new float[70], frames));
    }

    [Fact]
    public void Settings_HashFollowsTheSettings()
    {
        Assert.Equal(SpectrogramSettings.Default.Hash(), new SpectrogramSettings().Hash());
        Assert.NotEqual(SpectrogramSettings.Default.Hash(), (SpectrogramSettings.Default with { Bins = 41 }).Hash());
        Assert.Throws<ArgumentException>(() => new StreamingSpectrogram(SpectrogramSettings.Default with { BinSpacingHz = 30 }));
    }

    [Fact]
    public void Process_RealRecording_MatchesIndependentNumpyReference()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || Run(python, ["-c", "import numpy"], out _) != 0)
        {
            output.WriteLine("SKIPPED: /usr/bin/python3 with numpy is not available (scripts/setup.sh installs it).");
            return;
        }

        string script = Path.Combine(RepoPaths.Root, "tests", "HeartStream.Pipeline.Tests", "Fixtures", "features", "spectrogram_oracle.py");
        string outFile = Path.Combine(Path.GetTempPath(), $"heartstream-spec-{Guid.NewGuid():N}.f64");
        try
        {
            Assert.True(Run(python, [script, SamplePath, outFile], out string log) == 0, log);
            byte[] bytes = File.ReadAllBytes(outFile);
            double[] reference = new double[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, reference, 0, bytes.Length);
            float[] ours = Run(WavReader.Read(SamplePath).Samples, chunk: 1000);

            Assert.Equal(reference.Length, ours.Length);
            double worst = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                if (reference[i] > Math.Log(1e-8))
                {
                    worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
                }
            }

            output.WriteLine($"{ours.Length / Bins} frames; worst |ln P| difference above -80 dB: {worst:E2}");
            Assert.True(worst < 1e-3, $"worst difference {worst}");
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    private static float[] Run(float[] audio, int chunk)
    {
        var spectrogram = new StreamingSpectrogram();
        var all = new List<float>();
        var buffer = new float[(audio.Length / 40 + 2) * Bins];
        for (int start = 0; start < audio.Length; start += chunk)
        {
            int got = spectrogram.Process(audio.AsSpan(start, Math.Min(chunk, audio.Length - start)), buffer);
            all.AddRange(buffer.AsSpan(0, got * Bins));
        }

        int flushed = spectrogram.Flush(buffer);
        all.AddRange(buffer.AsSpan(0, flushed * Bins));
        return [.. all];
    }

    private static int IndexOfMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static int Run(string exe, string[] args, out string log)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        log = stdout + err.Result;
        return p.ExitCode;
    }
}
