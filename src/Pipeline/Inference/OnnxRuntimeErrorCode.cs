namespace HeartStream.Pipeline.Inference;

/// <summary>ONNX Runtime's error codes (OrtErrorCode), so callers can tell a bad model from a bad input.</summary>
public enum OnnxRuntimeErrorCode
{
    /// <summary>Not an ORT status: the error was found by HeartStream before calling ORT.</summary>
    None = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ExecutionProviderFailure = 11,
}
