using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;
using HeartStream.Training.Data;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Evaluation;

/// <summary>
/// scripts/rate-oracle.py, the independent rate check that docs/ALERTS.md uses to judge rate alerts, on a committed
/// real recording: its rate agrees with the recording's own S1 annotation, and its --evidence mode confirms a rate
/// alert at the true rate and refuses one at a wrong rate.
/// </summary>
public sealed partial class RateOracleScriptTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private static readonly string s_script = Path.Combine(RepoPaths.Root, "scripts", "rate-oracle.py");
    private static readonly string s_wav = Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");

    [Fact]
    public void Oracle_RealRecording_WithinFiveBpmOfTheAnnotatedRate()
    {
        if (!NumpyAvailable())
        {
            return;
        }

        List<double> s1 = [.. CirCorSegmentation.ToHeartSounds(CirCorSegmentation.Read(Path.ChangeExtension(s_wav, ".tsv")))
            .Where(h => h.Type == SoundType.S1 && h.StartSeconds >= 2).Select(h => h.StartSeconds)];
        double[] intervals = [.. s1.Zip(s1.Skip(1), (a, b) => b - a).Order()];
        double annotated = 60 / intervals[intervals.Length / 2];

        Assert.Equal(0, Run($"\"{s_script}\" \"{s_wav}\" 2 12", null, out string log));
        output.WriteLine(log);

        double oracle = double.Parse(BpmPattern().Match(log).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(oracle - annotated) <= 5, $"oracle {oracle} bpm, annotation {annotated:0.0} bpm");
    }

    [Theory]
    [InlineData(104, "confirmed")]
    [InlineData(60, "NOT confirmed")]
    public void Evidence_RateAlertLine_ConfirmedOnlyAtTheTrueRate(int reportedBpm, string verdict)
    {
        if (!NumpyAvailable())
        {
            return;
        }

        string line = $"EVIDENCE set=circor rec=13918_AV age=child profile=adult type=tachycardia onset=2.0 raised=10.0 hr={reportedBpm} quality=0.95\n"
            + "EVIDENCE set=circor rec=13918_AV age=child profile=adult type=no-heart-sounds onset=2.0 raised=3.0 hr=- quality=0.95\n";

        Assert.Equal(0, Run($"\"{s_script}\" --evidence \"{RepoPaths.Samples}\"", line, out string log));
        output.WriteLine(log);

        Assert.Contains($"reported {reportedBpm} bpm", log, StringComparison.Ordinal);
        Assert.Contains(": " + verdict, log, StringComparison.Ordinal);
        Assert.Contains($"confirmed by the oracle: {(verdict == "confirmed" ? 1 : 0)} of 1", log, StringComparison.Ordinal);
    }

    private bool NumpyAvailable()
    {
        if (File.Exists(Python) && Run("-c \"import numpy\"", null, out _) == 0)
        {
            return true;
        }

        // CI installs python3-numpy (scripts/setup.sh); without it the oracle cannot run here.
        output.WriteLine("SKIPPED: /usr/bin/python3 with numpy is not available.");
        return false;
    }

    private static int Run(string args, string? stdin, out string log)
    {
        using var p = Process.Start(new ProcessStartInfo(Python, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        p.StandardInput.Write(stdin ?? string.Empty);
        p.StandardInput.Close();
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        log = stdout + err.Result;
        return p.ExitCode;
    }

    [GeneratedRegex(@": (\d+(?:\.\d+)?) bpm")]
    private static partial Regex BpmPattern();
}
