using HeartStream.Capture.Audio;
using HeartStream.Pipeline;

namespace HeartStream.Benchmarks;

/// <summary>A real shipped recording (samples/physionet2016/a0035.wav, 2 kHz, 29 s) for the benchmarks.</summary>
internal static class SampleAudio
{
    public static string Root
    {
        get
        {
            for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "HeartStream.sln")))
                {
                    return dir;
                }
            }

            throw new InvalidOperationException("run the benchmarks from inside the repository");
        }
    }

    public static float[] Load()
    {
        WavAudio audio = WavReader.Read(Path.Combine(Root, "samples", "physionet2016", "a0035.wav"));
        return audio.SampleRate == AnalysisRate.SampleRate ? audio.Samples : StreamingResampler.Resample(audio.Samples, audio.SampleRate, AnalysisRate.SampleRate);
    }
}
