using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Inference.OnnxRuntime;

/// <summary>
/// struct OrtCUDAProviderOptions from onnxruntime_c_api.h (the legacy, fixed-layout CUDA options), with spare zeroed
/// room at the end so a build that reads a field we do not know reads zero rather than our stack.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct OrtCudaProviderOptions
{
    public int DeviceId;
    public int CudnnConvAlgoSearch;
    public nuint GpuMemLimit;
    public int ArenaExtendStrategy;
    public int DoCopyInDefaultStream;
    public int HasUserComputeStream;
    public nint UserComputeStream;
    public nint DefaultMemoryArenaCfg;
    public int TunableOpEnable;
    public int TunableOpTuningEnable;
    public int TunableOpMaxTuningDurationMs;
    public fixed long Reserved[8];

    /// <summary>The defaults of the C++ constructor: device 0, no memory limit, copies on the compute stream.</summary>
    public static OrtCudaProviderOptions Default => new()
    {
        GpuMemLimit = nuint.MaxValue,
        DoCopyInDefaultStream = 1,
    };
}
