using System.CommandLine;
using System.Diagnostics;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream bench analyze --data DIR</c>: runs the offline analysis over every WAV under DIR on one thread and
/// prints seconds of audio analysed per CPU-second (reading, resampling, features and segmentation all counted).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder searched recursively for .wav files.", DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.SharedData) };
        var limit = new Option<int>("--limit") { Description = "Analyse at most this many files (0 = all).", DefaultValueFactory = _ => 0 };
        var analyze = new Command("analyze", "Measure offline analysis speed over real recordings.") { data, limit };
        analyze.SetAction(parse => RunAnalyze(parse.GetValue(data)!, parse.GetValue(limit)));
        return new Command("bench", "Measure speed.") { analyze, BenchStreams.Create(), BenchStreamingAgreement.Create(), BenchAlertsCommand.Create(), BenchInference.Create() };
    }

    private static int RunAnalyze(DirectoryInfo data, int limit)
    {
        if (!data.Exists)
        {
            Console.Error.WriteLine($"error: data folder {data.FullName} does not exist");
            return 2;
        }

        string[] files = Directory.GetFiles(data.FullName, "*.wav", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        if (limit > 0 && files.Length > limit)
        {
            files = files[..limit];
        }

        var analyzer = new RecordingAnalyzer(SegmenterParameters.Load(DefaultPaths.BaselineParameters));

        // Warm up the JIT on one file so the figure measures steady-state analysis, not compilation.
        if (files.Length > 0)
        {
            analyzer.Analyze(WavReader.Read(files[0]));
        }

        Process self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        double audioSeconds = 0;
        int failed = 0;
        foreach (string file in files)
        {
            try
            {
                RecordingAnalysis a = analyzer.Analyze(WavReader.Read(file));
                audioSeconds += a.DurationSeconds;
            }
            catch (IOException e)
            {
                failed++;
                Console.Error.WriteLine($"error: {e.Message}");
            }
        }

        wall.Stop();
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine($"files            {files.Length - failed} analysed, {failed} failed");
        Console.WriteLine($"audio            {audioSeconds:0.0} s");
        Console.WriteLine($"cpu              {cpu:0.00} s  ({audioSeconds / cpu:0} s of audio per CPU-second)");
        Console.WriteLine($"wall             {wall.Elapsed.TotalSeconds:0.00} s  ({audioSeconds / wall.Elapsed.TotalSeconds:0} s of audio per second, one thread)");
        Console.WriteLine($"peak working set {self.PeakWorkingSet64 / (1024.0 * 1024):0} MB");
        return failed == 0 ? 0 : 1;
    }
}
