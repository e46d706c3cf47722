namespace HeartStream.Pipeline.Inference;

/// <summary>
/// A failure reported by ONNX Runtime (message taken from its OrtStatus) or found while preparing a call to it
/// (missing library, wrong shapes, unknown tensor names). The message always says what was being done.
/// </summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException()
    {
    }

    public OnnxRuntimeException(string message)
        : base(message)
    {
    }

    public OnnxRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OnnxRuntimeException(string message, OnnxRuntimeErrorCode errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>ORT's error code, or <see cref="OnnxRuntimeErrorCode.None"/> when the error did not come from ORT.</summary>
    public OnnxRuntimeErrorCode ErrorCode { get; }
}
