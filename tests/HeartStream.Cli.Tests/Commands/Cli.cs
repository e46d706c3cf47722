using System.Diagnostics;
using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Commands;

/// <summary>
/// Runs the built <c>heartstream</c> executable as a child process (<c>dotnet heartstream.dll ...</c>, copied next to
/// the tests by the project reference, with models/ beside it), so exit codes, stdout and stderr are the real ones.
/// </summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "heartstream.dll");

    public static string Sample(string relative) => Path.Combine(RepoPaths.Samples, relative);

    public static CliResult Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>Runs heartstream with extra environment variables (HEARTSTREAM_ settings).</summary>
    public static CliResult RunWith(IReadOnlyDictionary<string, string> environment, params string[] args) => RunCore(environment, null, args);

    /// <summary>Runs heartstream with <paramref name="input"/> on its standard input.</summary>
    public static CliResult RunWithInput(string input, params string[] args) => RunCore(new Dictionary<string, string>(), input, args);

    private static CliResult RunCore(IReadOnlyDictionary<string, string> environment, string? input, string[] args)
    {
        Assert.True(File.Exists(Dll), $"{Dll} not found: the Cli.Tests project must reference src/HeartStream");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        start.RedirectStandardInput = input is not null;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"heartstream {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return new CliResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
