using System.Diagnostics;
using TorchSharp;

namespace HeartStream.Trainer.Tests.Torch;

/// <summary>
/// TorchSharp's native library loads on this Debian (build/TorchSharpNative.targets marks its GLIBCXX_3.4.32 need
/// weak), and the patch rewrote the copy in the output folder, not the NuGet cache's file.
/// </summary>
public sealed class TorchNativeTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        using var b = (a * a).sum();
        Assert.Equal(14f, b.item<float>());
        Assert.StartsWith("2.10", torch.__version__, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheOutputCopyIsPatched()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(output), output);
        Assert.Equal(1, WeakVersionNeeds(output));
        string cache = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cache))
        {
            Assert.Equal(0, WeakVersionNeeds(cache));
        }
    }

    private static int WeakVersionNeeds(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("readelf", ["-V", path]) { RedirectStandardOutput = true })!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return text.Split('\n').Count(l => l.Contains("GLIBCXX_3.4.32", StringComparison.Ordinal) && l.Contains("WEAK", StringComparison.Ordinal));
    }
}
