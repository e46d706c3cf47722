using System.Diagnostics;
using System.Text;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>Runs a command-line tool (promtool) to completion with a hang guard and returns its exit code and output.</summary>
internal static class ToolProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan guard)
    {
        Assert.True(File.Exists(fileName), $"{fileName} is missing: install Debian's prometheus package (it ships promtool).");
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var output = new StringBuilder();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(guard);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} did not finish within {guard.TotalSeconds} s:\n{output}");
        }

        process.WaitForExit(); // flushes the redirected streams
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
