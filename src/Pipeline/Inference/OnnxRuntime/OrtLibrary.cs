using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Inference.OnnxRuntime;

/// <summary>
/// Finds and loads libonnxruntime.so.1 once per process. The library is not on the system search path: scripts/setup.sh
/// puts it in native/onnxruntime/ of the clone (git-ignored), so we look there by walking up to HeartStream.sln, or take
/// an explicit path from HEARTSTREAM_ORT_LIB (deployments), or a copy next to the application.
/// </summary>
internal static class OrtLibrary
{
    internal const string EnvironmentVariable = "HEARTSTREAM_ORT_LIB";
    internal const string RelativePath = "native/onnxruntime/libonnxruntime.so.1";
    private const string FileName = "libonnxruntime.so.1";

    /// <summary>Loads the library and returns its handle and full path; throws <see cref="OnnxRuntimeException"/> saying where it looked.</summary>
    internal static (nint Handle, string Path) Load()
    {
        var tried = new List<string>();
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!File.Exists(env))
            {
                throw new OnnxRuntimeException(
                    $"{EnvironmentVariable} points to '{env}', which does not exist. Fix the variable, or unset it and run scripts/setup.sh.");
            }

            return LoadFrom(env);
        }

        string beside = Path.Combine(AppContext.BaseDirectory, FileName);
        tried.Add(beside);
        if (File.Exists(beside))
        {
            return LoadFrom(beside);
        }

        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "HeartStream.sln")))
            {
                string candidate = Path.Combine(dir, RelativePath);
                tried.Add(candidate);
                if (File.Exists(candidate))
                {
                    return LoadFrom(candidate);
                }

                break;
            }
        }

        throw new OnnxRuntimeException(
            "ONNX Runtime native library not found (looked at: " + string.Join(", ", tried) +
            "). Run scripts/setup.sh in the repository to fetch it, or set " + EnvironmentVariable + " to its path.");
    }

    private static (nint Handle, string Path) LoadFrom(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            return (NativeLibrary.Load(full), full);
        }
        catch (DllNotFoundException ex)
        {
            throw new OnnxRuntimeException($"ONNX Runtime native library '{path}' exists but could not be loaded: {ex.Message}", ex);
        }
        catch (BadImageFormatException ex)
        {
            throw new OnnxRuntimeException($"ONNX Runtime native library '{path}' is not a loadable library for this platform: {ex.Message}", ex);
        }
    }
}
