using BenchmarkDotNet.Running;
using HeartStream.Benchmarks;

// dotnet run -c Release --project benchmarks/HeartStream.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/HeartStream.Benchmarks -- resampler-quality
if (args is ["resampler-quality"])
{
    ResamplerComparison.PrintQuality(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(FeatureKernelBenchmarks).Assembly).Run(args);
