using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Inference.OnnxRuntime;

/// <summary>
/// The ONNX Runtime C API function table (struct OrtApi in onnxruntime_c_api.h), read as raw function pointers at
/// fixed slot indices. ORT never reorders shipped slots (its own static_asserts pin e.g. ReleaseCustomOpDomain at 101,
/// ReleaseModelMetadata at 118, ReleaseAvailableProviders at 126, SetGlobalSpinControl at 149, ReleaseArenaCfg at 157),
/// so these indices hold for every API version we may ask for. All handles are plain <see cref="nint"/>s and never
/// leave this folder.
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>API version of ONNX Runtime 1.30 (ORT_API_VERSION equals the minor version since 1.x).</summary>
    internal const uint ApiVersion = 30;

    // Slot indices into struct OrtApi (pointer-sized entries), counted from the public header.
    private const int SlotGetErrorCode = 1;
    private const int SlotGetErrorMessage = 2;
    private const int SlotCreateEnv = 3;
    private const int SlotCreateSession = 7;
    private const int SlotCreateSessionFromArray = 8;
    private const int SlotRun = 9;
    private const int SlotCreateSessionOptions = 10;
    private const int SlotSetSessionGraphOptimizationLevel = 23;
    private const int SlotSetIntraOpNumThreads = 24;
    private const int SlotSetInterOpNumThreads = 25;
    private const int SlotSessionGetInputCount = 30;
    private const int SlotSessionGetOutputCount = 31;
    private const int SlotSessionGetInputTypeInfo = 33;
    private const int SlotSessionGetOutputTypeInfo = 34;
    private const int SlotSessionGetInputName = 36;
    private const int SlotSessionGetOutputName = 37;
    private const int SlotCreateTensorWithDataAsOrtValue = 49;
    private const int SlotGetTensorMutableData = 51;
    private const int SlotCastTypeInfoToTensorInfo = 55;
    private const int SlotGetOnnxTypeFromTypeInfo = 56;
    private const int SlotGetTensorElementType = 60;
    private const int SlotGetDimensionsCount = 61;
    private const int SlotGetDimensions = 62;
    private const int SlotGetSymbolicDimensions = 63;
    private const int SlotGetTensorShapeElementCount = 64;
    private const int SlotGetTensorTypeAndShape = 65;
    private const int SlotCreateCpuMemoryInfo = 69;
    private const int SlotMemoryInfoGetName = 71;
    private const int SlotAllocatorFree = 76;
    private const int SlotGetAllocatorWithDefaultOptions = 78;
    private const int SlotReleaseStatus = 93;
    private const int SlotReleaseSession = 95;
    private const int SlotReleaseValue = 96;
    private const int SlotReleaseTypeInfo = 98;
    private const int SlotReleaseTensorTypeAndShapeInfo = 99;
    private const int SlotReleaseSessionOptions = 100;
    private const int SlotSessionGetModelMetadata = 111;
    private const int SlotModelMetadataGetProducerName = 112;
    private const int SlotModelMetadataLookupCustomMetadataMap = 116;
    private const int SlotReleaseModelMetadata = 118;
    private const int SlotGetAvailableProviders = 125;
    private const int SlotReleaseAvailableProviders = 126;
    private const int SlotSessionOptionsAppendExecutionProviderCuda = 152;

    // Values of the C enums we pass.
    internal const int LoggingLevelWarning = 2;
    internal const int TensorElementFloat = 1;
    internal const int OnnxTypeTensor = 1;
    private const int OrtDeviceAllocator = 0;
    private const int OrtMemTypeDefault = 0;

    private static readonly Lock s_gate = new();
    private static OrtApi? s_instance;
    private static OnnxRuntimeException? s_loadError;

    internal readonly delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint> GetErrorMessage;
    internal readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    internal readonly delegate* unmanaged[Cdecl]<nint, void*, nint, nint*, nint> CreateSession;
    internal readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    internal readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    internal readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    internal readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    internal readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint> SessionGetInputName;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint> SessionGetOutputName;
    internal readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    internal readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetOnnxTypeFromTypeInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    internal readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint*, nuint, nint> GetSymbolicDimensions;
    internal readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    internal readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> MemoryInfoGetName;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint, nint> AllocatorFree;
    internal readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> SessionGetModelMetadata;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint, nint*, nint> ModelMetadataGetProducerName;
    internal readonly delegate* unmanaged[Cdecl]<nint, nint, byte*, nint*, nint> ModelMetadataLookupCustomMetadataMap;
    internal readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseModelMetadata;
    internal readonly delegate* unmanaged[Cdecl]<nint*, int*, nint> GetAvailableProviders;
    internal readonly delegate* unmanaged[Cdecl]<nint, int, nint> ReleaseAvailableProviders;
    internal readonly delegate* unmanaged[Cdecl]<nint, OrtCudaProviderOptions*, nint> SessionOptionsAppendExecutionProviderCuda;

    private OrtApi(nint table, string version, string libraryPath)
    {
        var slots = (nint*)table;
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)slots[SlotGetErrorCode];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, nint>)slots[SlotGetErrorMessage];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)slots[SlotCreateEnv];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, void*, nint, nint*, nint>)slots[SlotCreateSession];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)slots[SlotCreateSessionFromArray];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)slots[SlotRun];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[SlotCreateSessionOptions];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SlotSetSessionGraphOptimizationLevel];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SlotSetIntraOpNumThreads];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SlotSetInterOpNumThreads];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SlotSessionGetInputCount];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SlotSessionGetOutputCount];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[SlotSessionGetInputTypeInfo];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[SlotSessionGetOutputTypeInfo];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint>)slots[SlotSessionGetInputName];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint>)slots[SlotSessionGetOutputName];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)slots[SlotCreateTensorWithDataAsOrtValue];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)slots[SlotGetTensorMutableData];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[SlotCastTypeInfoToTensorInfo];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[SlotGetOnnxTypeFromTypeInfo];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[SlotGetTensorElementType];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SlotGetDimensionsCount];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)slots[SlotGetDimensions];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<nint, nint*, nuint, nint>)slots[SlotGetSymbolicDimensions];
        GetTensorShapeElementCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SlotGetTensorShapeElementCount];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[SlotGetTensorTypeAndShape];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)slots[SlotCreateCpuMemoryInfo];
        MemoryInfoGetName = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[SlotMemoryInfoGetName];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, nint, nint>)slots[SlotAllocatorFree];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[SlotGetAllocatorWithDefaultOptions];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseStatus];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseSession];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseValue];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseTypeInfo];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseTensorTypeAndShapeInfo];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseSessionOptions];
        SessionGetModelMetadata = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[SlotSessionGetModelMetadata];
        ModelMetadataGetProducerName = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint>)slots[SlotModelMetadataGetProducerName];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged[Cdecl]<nint, nint, byte*, nint*, nint>)slots[SlotModelMetadataLookupCustomMetadataMap];
        ReleaseModelMetadata = (delegate* unmanaged[Cdecl]<nint, void>)slots[SlotReleaseModelMetadata];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<nint*, int*, nint>)slots[SlotGetAvailableProviders];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SlotReleaseAvailableProviders];
        SessionOptionsAppendExecutionProviderCuda = (delegate* unmanaged[Cdecl]<nint, OrtCudaProviderOptions*, nint>)slots[SlotSessionOptionsAppendExecutionProviderCuda];

        Version = version;
        LibraryPath = libraryPath;

        nint env;
        ReadOnlySpan<byte> logId = "HeartStream\0"u8;
        fixed (byte* id = logId)
        {
            Check(CreateEnv(LoggingLevelWarning, id, &env), "Creating the ONNX Runtime environment");
        }

        Env = env;

        nint memoryInfo;
        Check(CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &memoryInfo), "Creating the CPU memory info");
        CpuMemoryInfo = memoryInfo;

        nint allocator;
        Check(GetAllocatorWithDefaultOptions(&allocator), "Getting the default allocator");
        DefaultAllocator = allocator;
    }

    /// <summary>The version string the loaded library reports, e.g. "1.30.0".</summary>
    internal string Version { get; }

    /// <summary>Full path of the loaded libonnxruntime.</summary>
    internal string LibraryPath { get; }

    /// <summary>
    /// Whether the CUDA provider libraries sit beside libonnxruntime. Without them, appending the CUDA provider can only
    /// fail, and ORT would log an error line of its own doing so; checking first keeps the fallback to CPU quiet.
    /// </summary>
    internal bool CudaProviderInstalled
    {
        get
        {
            string dir = Path.GetDirectoryName(LibraryPath) ?? ".";
            return File.Exists(Path.Combine(dir, "libonnxruntime_providers_shared.so")) && File.Exists(Path.Combine(dir, "libonnxruntime_providers_cuda.so"));
        }
    }

    /// <summary>The one process-wide OrtEnv (ORT wants exactly one; it owns the global thread pools and logging).</summary>
    internal nint Env { get; }

    /// <summary>CPU memory info used to wrap managed buffers as tensors.</summary>
    internal nint CpuMemoryInfo { get; }

    /// <summary>ORT's default CPU allocator, used to free the strings ORT hands out (names, metadata).</summary>
    internal nint DefaultAllocator { get; }

    /// <summary>The loaded API table; loads the library on first use and rethrows the same error on every later call.</summary>
    internal static OrtApi Instance
    {
        get
        {
            OrtApi? api = Volatile.Read(ref s_instance);
            return api ?? LoadOnce();
        }
    }

    private static OrtApi LoadOnce()
    {
        lock (s_gate)
        {
            if (s_instance is not null)
            {
                return s_instance;
            }

            if (s_loadError is not null)
            {
                throw new OnnxRuntimeException(s_loadError.Message, s_loadError);
            }

            try
            {
                (nint library, string libraryPath) = OrtLibrary.Load();
                if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out nint getApiBase))
                {
                    throw new OnnxRuntimeException("The ONNX Runtime library has no OrtGetApiBase export; it is not ONNX Runtime or is damaged. Run scripts/setup.sh again.");
                }

                var apiBase = ((delegate* unmanaged[Cdecl]<nint>)getApiBase)();
                // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
                var getApi = (delegate* unmanaged[Cdecl]<uint, nint>)((nint*)apiBase)[0];
                var getVersionString = (delegate* unmanaged[Cdecl]<nint>)((nint*)apiBase)[1];
                string version = Marshal.PtrToStringUTF8(getVersionString()) ?? "unknown";
                nint table = getApi(ApiVersion);
                if (table == 0)
                {
                    throw new OnnxRuntimeException(
                        $"The ONNX Runtime library is version {version}, which does not provide C API version {ApiVersion} (ONNX Runtime 1.30 or newer is needed). Run scripts/setup.sh.");
                }

                s_instance = new OrtApi(table, version, libraryPath);
                return s_instance;
            }
            catch (OnnxRuntimeException ex)
            {
                s_loadError = ex;
                throw;
            }
        }
    }

    /// <summary>Throws <see cref="OnnxRuntimeException"/> with ORT's message when <paramref name="status"/> is an error, releasing it.</summary>
    internal void Check(nint status, string context)
    {
        if (status != 0)
        {
            Throw(status, context);
        }
    }

    /// <summary>As <see cref="Check(nint, string)"/>, joining "<paramref name="what"/> <paramref name="subject"/>" only on failure,
    /// so hot paths do not build a message string per call.</summary>
    internal void Check(nint status, string what, string subject)
    {
        if (status != 0)
        {
            Throw(status, what + " " + subject);
        }
    }

    /// <summary>Reads and releases an error status, for the callers that handle a failure instead of throwing.</summary>
    internal (OnnxRuntimeErrorCode Code, string Message) TakeError(nint status)
    {
        var code = (OnnxRuntimeErrorCode)GetErrorCode(status);
        string message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "(no message)";
        ReleaseStatus(status);
        return (code, message);
    }

    /// <summary>Copies a string ORT allocated with the default allocator, then frees it.</summary>
    internal string TakeString(nint utf8)
    {
        if (utf8 == 0)
        {
            return string.Empty;
        }

        string value = Marshal.PtrToStringUTF8(utf8) ?? string.Empty;
        nint status = AllocatorFree(DefaultAllocator, utf8);
        if (status != 0)
        {
            ReleaseStatus(status);
        }

        return value;
    }

    private void Throw(nint status, string context)
    {
        (OnnxRuntimeErrorCode code, string message) = TakeError(status);
        throw new OnnxRuntimeException($"{context}: {message}", code);
    }
}
