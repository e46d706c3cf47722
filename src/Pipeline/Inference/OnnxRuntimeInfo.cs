using Microsoft.ML.OnnxRuntime;

namespace HeartStream.Pipeline.Inference;

/// <summary>Facts about the ONNX Runtime the process runs (the Microsoft.ML.OnnxRuntime package), for start-up logs.</summary>
public static class OnnxRuntimeInfo
{
    private const string CudaProvider = "CUDAExecutionProvider";

    /// <summary>The library's version string (e.g. "1.32.0").</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>Execution providers compiled into the library, e.g. ["CPUExecutionProvider"].</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>True when this build carries the CUDA execution provider (Microsoft.ML.OnnxRuntime.Gpu.Linux), so CUDA
    /// can be attempted; whether it starts depends on the machine's CUDA and cuDNN.</summary>
    public static bool CudaProviderInstalled => AvailableProviders.Contains(CudaProvider);
}
