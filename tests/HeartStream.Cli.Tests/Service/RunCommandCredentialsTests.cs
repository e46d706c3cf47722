using System.Diagnostics;
using System.Globalization;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Service;

/// <summary>Credentials are never logged: `heartstream run` against a real mosquitto that refuses its password.</summary>
public sealed class RunCommandCredentialsTests : IDisposable
{
    private const string WrongPassword = "Sup3r-Secret-Wr0ng";
    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-credentials-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_BrokerRefusesThePassword_ClearErrorExitTwoPasswordNowhereInTheOutput()
    {
        string passwords = Path.Combine(_dir, "passwd");
        using (Process p = Process.Start("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "heartstream", "the-right-one"]))
        {
            await p.WaitForExitAsync();
            Assert.Equal(0, p.ExitCode);
        }

        MosquittoBrokerOptions options = new() { AllowAnonymous = false };
        options.ListenerConfig.Add("password_file " + passwords);
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(options);
        using var run = RunProcess.Start(
            ["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--http-port", "0"],
            new Dictionary<string, string> { ["HEARTSTREAM_Mqtt__Username"] = "heartstream", ["HEARTSTREAM_Mqtt__Password"] = WrongPassword });

        await run.WaitForExitAsync(TimeSpan.FromSeconds(60));

        string output = run.Output;
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("refused the connection", output, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain("the-right-one", output, StringComparison.Ordinal);
    }
}
