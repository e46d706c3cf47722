using System.Runtime.InteropServices;
using HeartStream.Pipeline.Inference.OnnxRuntime;

namespace HeartStream.Pipeline.Inference;

/// <summary>Facts about the loaded ONNX Runtime library, for start-up logs and health checks.</summary>
public static class OnnxRuntimeInfo
{
    /// <summary>The library's version string (e.g. "1.30.0"); loads the library on first use.</summary>
    public static string Version => OrtApi.Instance.Version;

    /// <summary>Full path of the loaded libonnxruntime (from HEARTSTREAM_ORT_LIB, beside the app, or native/onnxruntime/).</summary>
    public static string LibraryPath => OrtApi.Instance.LibraryPath;

    /// <summary>True when the CUDA provider libraries are installed beside the library, so CUDA can be attempted.</summary>
    public static bool CudaProviderInstalled => OrtApi.Instance.CudaProviderInstalled;

    /// <summary>Execution providers compiled into the library, e.g. ["CPUExecutionProvider"].</summary>
    public static unsafe IReadOnlyList<string> AvailableProviders
    {
        get
        {
            OrtApi api = OrtApi.Instance;
            nint names;
            int count;
            api.Check(api.GetAvailableProviders(&names, &count), "Listing the available execution providers");
            var result = new string[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = Marshal.PtrToStringUTF8(((nint*)names)[i]) ?? string.Empty;
            }

            api.Check(api.ReleaseAvailableProviders(names, count), "Releasing the provider list");
            return result;
        }
    }
}
