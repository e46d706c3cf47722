namespace HeartStream.Pipeline.Inference;

/// <summary>
/// A failure reported by ONNX Runtime (its own exception is the inner one) or found while preparing a call to it
/// (wrong shapes, unknown tensor names). The message always says what was being done and to which model.
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
}
