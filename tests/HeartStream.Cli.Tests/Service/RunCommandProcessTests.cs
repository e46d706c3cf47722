using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>`heartstream run` as a child process: real files, a free HTTP port, a Prometheus scrape, SIGTERM.</summary>
public sealed partial class RunCommandProcessTests
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Run_FilesAtSpeedZero_ExportsBeatsThenSigtermExitsZero()
    {
        string sample = Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");
        using var run = RunProcess.Start(["--files", sample, "--speed", "0", "--http-port", "0"]);
        Uri baseAddress = await run.Address.WaitAsync(s_hang);
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        long beats = 0;
        using var deadline = new CancellationTokenSource(s_hang);
        while (beats == 0)
        {
            deadline.Token.ThrowIfCancellationRequested();
            string metrics = await client.GetStringAsync(new Uri("metrics", UriKind.Relative));
            beats = BeatsLine().Matches(metrics).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            if (beats == 0)
            {
                await Task.Delay(200);
            }
        }

        using HttpResponseMessage ready = await client.GetAsync(new Uri("readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        await run.TerminateAsync(s_hang);
        string log = run.Output;
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; output:\n{log}");
        Assert.True(beats > 0);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.Contains("status Offline", log, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^heartstream_segmentation_beats_detected_total\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex BeatsLine();
}
