using System.Diagnostics;
using HeartStream.Training.Nn;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Nn;

/// <summary>Measures and prints (never asserts on time) the forward+backward cost of the reference TCN.</summary>
[Collection(SerialCollection.Name)]
public sealed class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void ForwardBackward_Tcn32Batch_ReportsTimeAndDoesNotAllocateBuffers()
    {
        Sequential model = ModelFactory.DilatedTcn(4, 32, 6, 5, 4, seed: 1);
        (Tensor x, int[] y) = SyntheticData.Batch(32, 4, 256, 4, seed: 2);
        var loss = new CrossEntropyLoss();
        var optimizer = new AdamW(model.Parameters);
        void Step()
        {
            optimizer.ZeroGrad();
            loss.Compute(model.Forward(x, training: true), y);
            model.Backward(loss.Gradient);
            optimizer.Step();
        }

        Step();
        Step();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        const int iterations = 10;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            Step();
        }

        sw.Stop();
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / iterations;
        long allocated = (GC.GetTotalAllocatedBytes(precise: true) - before) / iterations;
        double ms = sw.Elapsed.TotalMilliseconds / iterations;
        output.WriteLine(
            $"TCN 6x32ch k5 ({model.ParameterCount} params), batch [32,4,256]: {ms:F1} ms wall, {cpuMs:F1} ms CPU (all threads) " +
            $"per forward+backward+AdamW step, load average {LoadAverage()}, " +
            $"{32 * 1000 / ms:F0} windows/s, {allocated / 1024.0:F1} KiB allocated per step, {Environment.ProcessorCount} cores; " +
            $"100k windows/epoch ≈ {100_000 / (32 * 1000 / ms) / 60:F1} min");

        Sequential unet = ModelFactory.UNet1d(4, 16, depth: 2, kernelSize: 5, classes: 4, seed: 1);
        var unetOptimizer = new AdamW(unet.Parameters);
        for (int i = 0; i < 2; i++)
        {
            unetOptimizer.ZeroGrad();
            loss.Compute(unet.Forward(x, training: true), y);
            unet.Backward(loss.Gradient);
            unetOptimizer.Step();
        }

        sw.Restart();
        for (int i = 0; i < iterations; i++)
        {
            unetOptimizer.ZeroGrad();
            loss.Compute(unet.Forward(x, training: true), y);
            unet.Backward(loss.Gradient);
            unetOptimizer.Step();
        }

        output.WriteLine($"U-Net depth 2, base 16 ch, k5 ({unet.ParameterCount} params): {sw.Elapsed.TotalMilliseconds / iterations:F1} ms wall per step.");

        // Per-step allocations are only Parallel.For bookkeeping, not tensor buffers (one [32,32,256] is 1 MiB).
        Assert.True(allocated < 256 * 1024, $"{allocated} bytes allocated per step: a buffer is being reallocated.");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
