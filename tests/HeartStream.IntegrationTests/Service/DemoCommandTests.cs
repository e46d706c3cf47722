using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.IntegrationTests.Service;

/// <summary>
/// <c>heartstream demo --seconds N</c> in a child process, started outside the repository: the in-process broker, the
/// shipped models and the sample recordings beside the executable are enough; it exits 0 and leaves no broker behind.
/// </summary>
public sealed partial class DemoCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_Seconds20_ExitsZeroAndLeavesNoBrokerRunning()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "heartstream.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetTempPath(), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("demo");
        start.ArgumentList.Add("--seconds");
        start.ArgumentList.Add("20");
        start.Environment.Remove("HEARTSTREAM_Mqtt__Host");
        using Process demo = Process.Start(start)!;
        Task<string> stdout = demo.StandardOutput.ReadToEndAsync();
        Task<string> stderr = demo.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await demo.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            demo.Kill(entireProcessTree: true);
            throw;
        }

        string text = await stdout;
        output.WriteLine(text);
        output.WriteLine(await stderr);
        Assert.Equal(0, demo.ExitCode);
        Match broker = BrokerLine().Match(text);
        Assert.True(broker.Success, "the demo prints the broker address it started");
        int port = int.Parse(broker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("in-process broker", text, StringComparison.Ordinal);
        Assert.Contains("sim-0001", text, StringComparison.Ordinal);

        // The broker is gone: nothing listens on its port any more.
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
    }

    [GeneratedRegex(@"broker 127\.0\.0\.1:(\d+) \(in-process broker\)")]
    private static partial Regex BrokerLine();
}
