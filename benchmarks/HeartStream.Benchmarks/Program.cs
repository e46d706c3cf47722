using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/HeartStream.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(HeartStream.Benchmarks.FeatureKernelBenchmarks).Assembly).Run(args);
