using System.Diagnostics;

namespace HeartStream.Pipeline.Tests.Telemetry;

/// <summary>Runs Debian's <c>promtool check metrics</c> (the reference linter/parser) on exposition text.</summary>
internal static class Promtool
{
    public const string Path = "/usr/bin/promtool";

    /// <summary>Fails the test unless promtool accepts the text; its complaints become the failure message.</summary>
    public static void AssertValid(string exposition)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: run scripts/setup.sh (it installs Debian's prometheus package, which CI has).");
        var start = new ProcessStartInfo(Path, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(exposition);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            Assert.Fail("promtool check metrics did not finish within 30 s.");
        }

        string output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0 && output.Trim().Length == 0,
            $"promtool check metrics rejected the output (exit {process.ExitCode}):\n{output}\n--- exposition ---\n{exposition}");
    }
}
