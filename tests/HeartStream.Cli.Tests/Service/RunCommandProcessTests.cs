using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
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
        string dll = Path.Combine(AppContext.BaseDirectory, "heartstream.dll");
        string sample = Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, "run", "--files", sample, "--speed", "0", "--http-port", "0" })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Uri baseAddress = await address.Task.WaitAsync(s_hang);
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

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(s_hang);
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; output:\n{log}");
            Assert.True(beats > 0);
            Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
            Assert.Contains("status Offline", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            Match m = ListeningLine().Match(line);
            if (m.Success)
            {
                address.TrySetResult(new Uri(m.Groups[1].Value));
            }
        }
    }

    [GeneratedRegex(@"listening at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^heartstream_segmentation_beats_detected_total\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex BeatsLine();
}
