using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Inference.OnnxRuntime;

/// <summary>
/// Owns an OrtSession and the native UTF-8 copies of its input/output names. A SafeHandle so that a Run in flight
/// (which holds a reference) keeps the session alive even if another thread disposes it meanwhile.
/// </summary>
internal sealed class OrtSessionHandle : SafeHandle
{
    private nint[] _inputNames = [];
    private nint[] _outputNames = [];

    public OrtSessionHandle(nint session)
        : base(0, ownsHandle: true)
    {
        SetHandle(session);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Native, NUL-terminated input names, in session order.</summary>
    internal ReadOnlySpan<nint> InputNames => _inputNames;

    /// <summary>Native, NUL-terminated output names, in session order.</summary>
    internal ReadOnlySpan<nint> OutputNames => _outputNames;

    internal void SetNames(IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
    {
        _inputNames = new nint[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            _inputNames[i] = Marshal.StringToCoTaskMemUTF8(inputs[i]);
        }

        _outputNames = new nint[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            _outputNames[i] = Marshal.StringToCoTaskMemUTF8(outputs[i]);
        }
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSession(handle);
        foreach (nint name in _inputNames)
        {
            Marshal.FreeCoTaskMem(name);
        }

        foreach (nint name in _outputNames)
        {
            Marshal.FreeCoTaskMem(name);
        }

        return true;
    }
}
