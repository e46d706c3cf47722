using System.Diagnostics;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Nn;

/// <summary>
/// Forward outputs and all gradients against PyTorch 1.13: from the checked-in fixtures always, and live (re-running
/// make_grad_fixtures.py) when /usr/bin/python3 with torch is present.
/// </summary>
public sealed class TorchGradientTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => [.. TorchCases.Names];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardBackward_CheckedInTorchFixture_MatchesWithin1e5(string caseName) =>
        TorchCases.Run(GradFixture.CheckedInDirectory, caseName);

    [Fact]
    public void ForwardBackward_LiveTorchOracle_MatchesAndFixturesAreCurrent()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || Run(python, "-c \"import torch\"", out _) != 0)
        {
            // The checked-in fixtures above still prove the maths; CI installs python3-torch (scripts/setup.sh).
            output.WriteLine("SKIPPED: /usr/bin/python3 with torch is not available; only checked-in fixtures were used.");
            return;
        }

        string dir = Path.Combine(Path.GetTempPath(), "heartstream-grad-" + Guid.NewGuid().ToString("N"));
        try
        {
            int rc = Run(python, $"\"{GradFixture.ScriptPath}\" \"{dir}\"", out string log);
            Assert.True(rc == 0, $"make_grad_fixtures.py failed ({rc}): {log}");
            foreach (string name in TorchCases.Names)
            {
                TorchCases.Run(dir, name);

                // The checked-in copy must be what the script produces now (same torch, fixed seeds).
                GradFixture live = GradFixture.Load(dir, name), stored = GradFixture.Load(GradFixture.CheckedInDirectory, name);
                Assert.Equal(live.TensorNames, stored.TensorNames);
                foreach (string t in live.TensorNames)
                {
                    double[] a = live.Raw(t), b = stored.Raw(t);
                    Assert.Equal(a.Length, b.Length);
                    for (int i = 0; i < a.Length; i++)
                    {
                        Assert.True(Math.Abs(a[i] - b[i]) <= 1e-9 * Math.Max(1, Math.Abs(b[i])), $"{name}/{t}[{i}]: checked-in fixture is stale ({b[i]} vs {a[i]}).");
                    }
                }
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static int Run(string exe, string args, out string log)
    {
        using var p = Process.Start(new ProcessStartInfo(exe, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        log = stdout + err.Result;
        return p.ExitCode;
    }
}
