using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// <c>dotnet publish src/HeartStream -c Release -o DIR</c> gives a folder that runs <c>analyze</c>, <c>run</c> and
/// <c>demo</c> from a working directory that is not the clone: models, samples, settings and the ONNX Runtime native
/// library travel with it, and no HEARTSTREAM_* variable is needed. Real recording (samples/circor/13918_AV.wav).
/// </summary>
public sealed partial class PublishedFolderTests(ITestOutputHelper output) : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"heartstream-publish-{Guid.NewGuid():N}");

    [Fact]
    public async Task PublishedFolder_AnalyzeRunAndDemo_WorkFromAnotherDirectory()
    {
        string published = Path.Combine(_root, "app");
        string work = Path.Combine(_root, "elsewhere");
        Directory.CreateDirectory(work);

        // --no-build: the build the tests run on is the one published (a second build would race the test run).
        string project = Path.Combine(RepoPaths.Root, "src", "HeartStream", "HeartStream.csproj");
        (int publishCode, string publishText) = await DotnetAsync(RepoPaths.Root, "publish", project, "-c", Configuration, "--no-build", "-o", published);
        Assert.True(publishCode == 0, publishText);
        string dll = Path.Combine(published, "heartstream.dll");
        File.Copy(Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav"), Path.Combine(work, "bed.wav"));

        (int analyzeCode, string analyzeText) = await DotnetAsync(work, dll, "analyze", "bed.wav");
        output.WriteLine(analyzeText);
        Assert.True(analyzeCode == 0, analyzeText);
        Assert.Matches(@"S1\s+start", analyzeText);
        Assert.DoesNotContain("native library", analyzeText, StringComparison.OrdinalIgnoreCase);

        using (var run = RunProcess.Start(["--files", "bed.wav", "--speed", "0", "--http-port", "0"], dll: dll, workingDirectory: work))
        {
            Uri address = await run.Address.WaitAsync(s_hang);
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            using var deadline = new CancellationTokenSource(s_hang);
            long beats = 0;
            while (beats == 0)
            {
                deadline.Token.ThrowIfCancellationRequested();
                string metrics = await client.GetStringAsync(new Uri("metrics", UriKind.Relative), deadline.Token);
                beats = BeatsLine().Matches(metrics).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                await Task.Delay(beats == 0 ? 200 : 0, deadline.Token);
            }

            await run.TerminateAsync(s_hang);
            Assert.True(run.ExitCode == 0, $"run exit code {run.ExitCode}:\n{run.Output}");
        }

        (int demoCode, string demoText) = await DotnetAsync(work, dll, "demo", "--seconds", "8");
        output.WriteLine(demoText);
        Assert.True(demoCode == 0, demoText);
        Assert.Contains("sim-0001", demoText, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("HEARTSTREAM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(s_hang);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^heartstream_segmentation_beats_detected_total\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex BeatsLine();
}
