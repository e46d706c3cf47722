using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>
/// `heartstream run` as a child process (the built heartstream.dll next to the tests, working directory = repository
/// root): collects its output, exposes the HTTP address it logs once listening, stops it with SIGTERM, and kills it on
/// dispose if a test failed half-way, so no process outlives a test.
/// </summary>
internal sealed partial class RunProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunProcess(Process process) => _process = process;

    /// <summary>Where /metrics, /healthz and /readyz are served, once the child says it listens.</summary>
    public Task<Uri> Address => _address.Task;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the child printed so far (stdout and stderr, interleaved by arrival).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>run</c> with the given arguments; <paramref name="dll"/> and <paramref name="workingDirectory"/> default
    /// to the built heartstream.dll beside the tests and the repository root.
    /// </summary>
    public static RunProcess Start(
        IEnumerable<string> runArguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? dll = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll ?? Path.Combine(AppContext.BaseDirectory, "heartstream.dll"));
        start.ArgumentList.Add("run");
        foreach (string arg in runArguments)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var run = new RunProcess(process);
        process.OutputDataReceived += (_, e) => run.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => run.OnLine(e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Sends SIGTERM (a graceful stop, as an orchestrator would) and waits for the exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>Waits for the child to exit on its own.</summary>
    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>Sends a signal by name (e.g. "STOP" to freeze the process as a hang would, "CONT" to resume it).</summary>
    public async Task SignalAsync(string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Sends SIGKILL (a crash: no shutdown code runs, the broker sees the socket close) and waits for the exit.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        using (Process kill = Process.Start("kill", ["-KILL", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        bool exited = _process.HasExited;
        _process.Dispose();
        Assert.True(exited, "heartstream run is still running after the test");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match m = ListeningLine().Match(line);
        if (m.Success)
        {
            _address.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"listening at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();
}
