using System.Diagnostics;
using System.Runtime.InteropServices;
using HeartStream.Pipeline.Inference;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Inference;

/// <summary>
/// OnnxSession (over the Microsoft.ML.OnnxRuntime package) against a tiny model exported by PyTorch (Fixtures/inference/make_fixture.py):
/// Conv1d(4->8,k5) -> ReLU -> Conv1d(8->4,k5) -> Softmax over channels, dynamic batch and time.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class OnnxSessionTests
{
    private const int Channels = 4;
    private const int GoldenBatch = 2;
    private const int GoldenTime = 37;

    private readonly ITestOutputHelper _output;

    public OnnxSessionTests(ITestOutputHelper output) => _output = output;

    private static string FixtureDir => Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "inference");

    private static string ModelPath => Path.Combine(FixtureDir, "tiny_conv.onnx");

    [Fact]
    public void Version_LoadedLibrary_IsThePackagesVersion()
    {
        Assert.StartsWith("1.32.", OnnxRuntimeInfo.Version, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", OnnxRuntimeInfo.AvailableProviders);
    }

    [Fact]
    public void Load_TinyModel_ExposesNamesAndDynamicDimensions()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath);

        Assert.Equal(["features"], session.InputNames);
        Assert.Equal(["probabilities"], session.OutputNames);
        OnnxTensorInfo input = session.Inputs[0];
        Assert.True(input.IsFloatTensor);
        Assert.Equal([-1L, Channels, -1L], input.Dimensions);
        Assert.Equal(["batch", string.Empty, "time"], input.DimensionNames);
        Assert.Equal("pytorch", session.ProducerName);
    }

    [Fact]
    public void Run_GoldenInput_MatchesPyTorch()
    {
        float[] input = ReadFloats("golden_input.f32");
        float[] expected = ReadFloats("golden_output.f32");
        long[] shape = [GoldenBatch, Channels, GoldenTime];
        using OnnxSession session = OnnxSession.Load(ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });

        float[] preallocated = new float[expected.Length];
        session.Run("features", input, shape, "probabilities", preallocated, shape);
        IReadOnlyList<OnnxTensor> allocated = session.Run([new OnnxInput("features", input, shape)]);

        AssertClose(expected, preallocated, 1e-5f);
        Assert.Equal(shape, allocated[0].Shape);
        AssertClose(expected, allocated[0].Data.Span, 1e-5f);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "heartstream-no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");

        var ex = Assert.Throws<FileNotFoundException>(() => OnnxSession.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsOnnxRuntimeExceptionNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "heartstream-corrupt-" + Guid.NewGuid().ToString("N") + ".onnx");
        byte[] garbage = new byte[512];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);
        try
        {
            var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(path));

            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(ex.InnerException);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_PreferCudaWithoutCudaProvider_FallsBackToCpu()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath, new OnnxSessionOptions { PreferCuda = true });

        _output.WriteLine("Compiled-in providers: " + string.Join(", ", OnnxRuntimeInfo.AvailableProviders));
        if (OnnxRuntimeInfo.CudaProviderInstalled)
        {
            _output.WriteLine("CUDA provider installed; provider used: " + session.ExecutionProvider + "; reason: " + session.CudaUnavailableReason);
            Assert.Contains(session.ExecutionProvider, new[] { "CUDA", "CPU" });
            return;
        }

        _output.WriteLine("CUDA unavailable: " + session.CudaUnavailableReason);
        Assert.Equal("CPU", session.ExecutionProvider);
        Assert.False(string.IsNullOrWhiteSpace(session.CudaUnavailableReason));
        float[] input = ReadFloats("golden_input.f32");
        long[] shape = [GoldenBatch, Channels, GoldenTime];
        AssertClose(ReadFloats("golden_output.f32"), session.Run([new OnnxInput("features", input, shape)])[0].Data.Span, 1e-5f);
    }

    [Fact]
    public void Load_NoCudaRequested_ReportsCpuAndNoReason()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath);

        Assert.Equal("CPU", session.ExecutionProvider);
        Assert.Null(session.CudaUnavailableReason);
    }

    [Fact]
    public void Load_FromBytes_RunsLikeFromFile()
    {
        using OnnxSession session = OnnxSession.Load(File.ReadAllBytes(ModelPath));
        long[] shape = [GoldenBatch, Channels, GoldenTime];

        IReadOnlyList<OnnxTensor> result = session.Run([new OnnxInput("features", ReadFloats("golden_input.f32"), shape)]);

        AssertClose(ReadFloats("golden_output.f32"), result[0].Data.Span, 1e-5f);
    }

    [Fact]
    public void Load_CorruptBytes_ThrowsOnnxRuntimeExceptionNamingTheDescription()
    {
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(new byte[] { 1, 2, 3, 4, 5 }, description: "test blob"));

        Assert.Contains("test blob", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PreallocatedOutputs_AllocatesNoManagedMemoryAfterWarmUp()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        long[] shape = [3, Channels, 64];
        float[] input = new float[3 * Channels * 64];
        new Random(3).NextSingle();
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(i * 0.1f);
        }

        float[] output = new float[input.Length];
        long[] smaller = [1, Channels, 64];
        for (int i = 0; i < 5; i++)
        {
            session.Run("features", input, shape, "probabilities", output, shape);
            session.Run("features", input.AsSpan(0, Channels * 64), smaller, "probabilities", output, smaller);
        }

        long allocated = SteadyState.LeastAllocated(5, _ =>
        {
            for (int i = 0; i < 10; i++)
            {
                session.Run("features", input, shape, "probabilities", output, shape);
                session.Run("features", input.AsSpan(0, Channels * 64), smaller, "probabilities", output, smaller);
            }
        });

        Assert.Equal(0, allocated);
        Assert.InRange(output[0], 0f, 1f);
    }

    [Fact]
    public void Run_UnknownInputName_ThrowsListingTheInputs()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath);
        long[] shape = [1, Channels, 8];
        float[] data = new float[32];

        var ex = Assert.Throws<ArgumentException>(() => session.Run("x", data, shape, "probabilities", data, shape));

        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("features", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataDoesNotMatchShape_Throws()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath);
        long[] shape = [1, Channels, 8];

        var ex = Assert.Throws<ArgumentException>(() => session.Run("features", new float[31], shape, "probabilities", new float[32], shape));

        Assert.Contains("31", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongChannelCount_ThrowsOnnxRuntimeException()
    {
        using OnnxSession session = OnnxSession.Load(ModelPath);
        long[] shape = [1, 3, 8];

        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run([new OnnxInput("features", new float[24], shape)]));

        Assert.Contains("Running", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        OnnxSession session = OnnxSession.Load(ModelPath);
        session.Dispose();
        long[] shape = [1, Channels, 8];

        Assert.Throws<ObjectDisposedException>(() => session.Run("features", new float[32], shape, "probabilities", new float[32], shape));
    }

    [Fact]
    public void Run_ConcurrentCallers_AllGetTheGoldenResult()
    {
        float[] input = ReadFloats("golden_input.f32");
        float[] expected = ReadFloats("golden_output.f32");
        long[] shape = [GoldenBatch, Channels, GoldenTime];
        using OnnxSession session = OnnxSession.Load(ModelPath, new OnnxSessionOptions { IntraOpThreads = 1 });

        Parallel.For(0, 8, _ =>
        {
            float[] output = new float[expected.Length];
            for (int i = 0; i < 20; i++)
            {
                session.Run("features", input, shape, "probabilities", output, shape);
                AssertClose(expected, output, 1e-5f);
            }
        });
    }

    /// <summary>Prints the time of one Run per single 4x256 window and per batch of 64; never asserts on time.</summary>
    [Fact]
    public void Run_Timing_PrintsMicrosecondsPerWindowAndPerBatch()
    {
        foreach (int threads in new[] { 1, 0 })
        {
            using OnnxSession session = OnnxSession.Load(ModelPath, new OnnxSessionOptions { IntraOpThreads = threads });
            foreach (int batch in new[] { 1, 64 })
            {
                long[] shape = [batch, Channels, 256];
                float[] input = new float[batch * Channels * 256];
                for (int i = 0; i < input.Length; i++)
                {
                    input[i] = MathF.Sin(i * 0.01f);
                }

                float[] output = new float[input.Length];
                for (int i = 0; i < 20; i++)
                {
                    session.Run("features", input, shape, "probabilities", output, shape);
                }

                int iterations = batch == 1 ? 2000 : 200;
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < iterations; i++)
                {
                    session.Run("features", input, shape, "probabilities", output, shape);
                }

                watch.Stop();
                double microseconds = watch.Elapsed.TotalMicroseconds / iterations;
                _output.WriteLine($"threads={(threads == 0 ? "default" : threads.ToString(System.Globalization.CultureInfo.InvariantCulture))} batch={batch}x4x256: {microseconds:F1} us per Run ({microseconds / batch:F2} us per window)");
                Assert.True(output[0] is >= 0f and <= 1f);
            }
        }
    }

    private static float[] ReadFloats(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(FixtureDir, name));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (MathF.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail($"Value {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
            }
        }
    }
}
