using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.InteropServices;
using HeartStream.Pipeline.Inference.OnnxRuntime;

namespace HeartStream.Pipeline.Inference;

/// <summary>
/// An ONNX model loaded into ONNX Runtime, run on float tensors. Inputs and outputs are wrapped in place over pinned
/// managed memory, so a <c>Run</c> with caller-provided, shaped outputs allocates nothing managed in steady state.
/// Thread-safety: ORT sessions allow concurrent <c>Run</c> calls, and so does this class; disposing while a Run is in
/// flight is safe too (the native session is freed when the last Run returns).
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private const int MaxTensorsPerRun = 64;
    private const int MaxRank = 16;

    private readonly OrtApi _api;
    private readonly OrtSessionHandle _handle;
    private readonly FrozenDictionary<string, int> _inputIndex;
    private readonly FrozenDictionary<string, int> _outputIndex;
    private readonly string _modelName;

    private OnnxSession(OrtApi api, OrtSessionHandle handle, string modelName, string executionProvider, string? cudaUnavailableReason)
    {
        _api = api;
        _handle = handle;
        _modelName = modelName;
        ExecutionProvider = executionProvider;
        CudaUnavailableReason = cudaUnavailableReason;
        Inputs = ReadTensorInfos(isInput: true);
        Outputs = ReadTensorInfos(isInput: false);
        InputNames = Inputs.Select(i => i.Name).ToArray();
        OutputNames = Outputs.Select(o => o.Name).ToArray();
        _inputIndex = InputNames.Select((n, i) => KeyValuePair.Create(n, i)).ToFrozenDictionary(StringComparer.Ordinal);
        _outputIndex = OutputNames.Select((n, i) => KeyValuePair.Create(n, i)).ToFrozenDictionary(StringComparer.Ordinal);
        handle.SetNames(InputNames, OutputNames);
        ProducerName = ReadProducerName();
    }

    /// <summary>"CUDA" when the CUDA execution provider was attached, otherwise "CPU".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was not used although <see cref="OnnxSessionOptions.PreferCuda"/> asked for it; null otherwise.</summary>
    public string? CudaUnavailableReason { get; }

    /// <summary>Input names, in the model's order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Output names, in the model's order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Input names, types and shapes (-1 for dynamic dimensions).</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    /// <summary>Output names, types and shapes (-1 for dynamic dimensions).</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>The model's producer_name.</summary>
    public string ProducerName { get; }

    /// <summary>Loads a model file. Throws <see cref="FileNotFoundException"/> when it is missing and
    /// <see cref="OnnxRuntimeException"/> naming the file when ORT cannot load it.</summary>
    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"ONNX model file not found: '{fullPath}'.", fullPath);
        }

        return Create(options ?? new OnnxSessionOptions(), $"model file '{fullPath}'", fullPath, default);
    }

    /// <summary>Loads a model from its serialised bytes; <paramref name="description"/> names it in error messages.</summary>
    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null, string description = "in-memory model")
    {
        if (model.IsEmpty)
        {
            throw new ArgumentException($"The {description} is empty: an ONNX model needs at least a graph.", nameof(model));
        }

        return Create(options ?? new OnnxSessionOptions(), description, null, model);
    }

    /// <summary>Looks up a string in the model's metadata_props (e.g. the training manifest hash); null when absent.</summary>
    public unsafe string? GetMetadata(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        nint metadata;
        _api.Check(_api.SessionGetModelMetadata(_handle.DangerousGetHandle(), &metadata), $"Reading metadata of {_modelName}");
        try
        {
            byte[] utf8Key = NullTerminatedUtf8(key);
            nint value;
            fixed (byte* k = utf8Key)
            {
                _api.Check(_api.ModelMetadataLookupCustomMetadataMap(metadata, _api.DefaultAllocator, k, &value), $"Reading metadata '{key}' of {_modelName}");
            }

            return value == 0 ? null : _api.TakeString(value);
        }
        finally
        {
            _api.ReleaseModelMetadata(metadata);
        }
    }

    /// <summary>
    /// Runs with one input and one output, both in caller memory; allocates nothing managed. The output shape must be
    /// known (the caller computes it from the input shape) and <paramref name="output"/> must hold its element count.
    /// </summary>
    public unsafe void Run(string inputName, ReadOnlySpan<float> input, ReadOnlySpan<long> inputShape, string outputName, Span<float> output, ReadOnlySpan<long> outputShape)
    {
        ArgumentNullException.ThrowIfNull(inputName);
        ArgumentNullException.ThrowIfNull(outputName);
        int inputIndex = FindInput(inputName);
        int outputIndex = FindOutput(outputName);
        long inputCount = CheckedElementCount(inputShape, inputName);
        if (inputCount != input.Length)
        {
            throw new ArgumentException($"Input '{inputName}' has {input.Length} values but shape [{string.Join(", ", inputShape.ToArray())}] needs {inputCount}.", nameof(input));
        }

        long outputCount = CheckedElementCount(outputShape, outputName);
        if (outputCount > output.Length)
        {
            throw new ArgumentException($"Output buffer for '{outputName}' holds {output.Length} values but shape needs {outputCount}.", nameof(output));
        }

        bool addedRef = false;
        nint inValue = 0;
        nint outValue = 0;
        try
        {
            _handle.DangerousAddRef(ref addedRef);
            fixed (float* inData = input)
            fixed (float* outData = output)
            {
                inValue = CreateTensor(inData, inputCount, inputShape, inputName);
                outValue = CreateTensor(outData, outputCount, outputShape, outputName);
                nint inNamePtr = _handle.InputNames[inputIndex];
                nint outNamePtr = _handle.OutputNames[outputIndex];
                _api.Check(_api.Run(_handle.DangerousGetHandle(), 0, &inNamePtr, &inValue, 1, &outNamePtr, 1, &outValue), "Running", _modelName);
            }
        }
        finally
        {
            ReleaseValue(inValue);
            ReleaseValue(outValue);
            if (addedRef)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Runs with any number of inputs and requested outputs, all float. Outputs with a shape are written in place;
    /// outputs with an empty shape are allocated by ORT and copied into their buffer. Allocates nothing managed in
    /// steady state when every output has a shape and the shape arrays are reused.
    /// </summary>
    public unsafe void Run(ReadOnlySpan<OnnxInput> inputs, ReadOnlySpan<OnnxOutput> outputs)
    {
        if (inputs.Length > MaxTensorsPerRun || outputs.Length > MaxTensorsPerRun)
        {
            throw new ArgumentException($"At most {MaxTensorsPerRun} inputs and outputs per Run.");
        }

        if (outputs.IsEmpty)
        {
            throw new ArgumentException("Request at least one output.", nameof(outputs));
        }

        int ni = inputs.Length;
        int no = outputs.Length;
        nint* inNames = stackalloc nint[ni];
        nint* inValues = stackalloc nint[ni];
        nint* outNames = stackalloc nint[no];
        nint* outValues = stackalloc nint[no];
        new Span<nint>(inValues, ni).Clear();
        new Span<nint>(outValues, no).Clear();
        MemoryHandle[] pins = ArrayPool<MemoryHandle>.Shared.Rent(ni + no);
        int pinned = 0;
        bool addedRef = false;
        try
        {
            _handle.DangerousAddRef(ref addedRef);
            BindInputs(inputs, inNames, inValues, pins, ref pinned);

            for (int o = 0; o < no; o++)
            {
                OnnxOutput output = outputs[o];
                outNames[o] = _handle.OutputNames[FindOutput(output.Name)];
                if (output.Shape.IsEmpty)
                {
                    continue; // a null slot: ORT allocates this output and we copy it out below.
                }

                long count = CheckedElementCount(output.Shape.Span, output.Name);
                if (count > output.Buffer.Length)
                {
                    throw new ArgumentException($"Output buffer for '{output.Name}' holds {output.Buffer.Length} values but its shape needs {count}.", nameof(outputs));
                }

                pins[pinned] = output.Buffer.Pin();
                outValues[o] = CreateTensor((float*)pins[pinned++].Pointer, count, output.Shape.Span, output.Name);
            }

            _api.Check(_api.Run(_handle.DangerousGetHandle(), 0, inNames, inValues, (nuint)ni, outNames, (nuint)no, outValues), "Running", _modelName);

            for (int o = 0; o < no; o++)
            {
                if (outputs[o].Shape.IsEmpty)
                {
                    ReadOnlySpan<float> produced = ReadTensor(outValues[o], outputs[o].Name, out _);
                    if (produced.Length > outputs[o].Buffer.Length)
                    {
                        throw new OnnxRuntimeException($"Output '{outputs[o].Name}' of {_modelName} has {produced.Length} values but its buffer holds {outputs[o].Buffer.Length}.");
                    }

                    produced.CopyTo(outputs[o].Buffer.Span);
                }
            }
        }
        finally
        {
            for (int i = 0; i < ni; i++)
            {
                ReleaseValue(inValues[i]);
            }

            for (int o = 0; o < no; o++)
            {
                ReleaseValue(outValues[o]);
            }

            for (int p = 0; p < pinned; p++)
            {
                pins[p].Dispose();
            }

            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
            if (addedRef)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Runs and returns every output as a new managed tensor (convenient; allocates).</summary>
    public unsafe IReadOnlyList<OnnxTensor> Run(ReadOnlySpan<OnnxInput> inputs)
    {
        var result = new OnnxTensor[OutputNames.Count];
        // First pass lets ORT allocate; outputs are then copied into exactly-sized arrays.
        int ni = inputs.Length;
        int no = OutputNames.Count;
        if (ni > MaxTensorsPerRun || no > MaxTensorsPerRun)
        {
            throw new ArgumentException($"At most {MaxTensorsPerRun} inputs and outputs per Run.");
        }

        nint* inNames = stackalloc nint[ni];
        nint* inValues = stackalloc nint[ni];
        nint* outValues = stackalloc nint[no];
        new Span<nint>(inValues, ni).Clear();
        new Span<nint>(outValues, no).Clear();
        var pins = new MemoryHandle[ni];
        bool addedRef = false;
        try
        {
            _handle.DangerousAddRef(ref addedRef);
            int pinned = 0;
            BindInputs(inputs, inNames, inValues, pins, ref pinned);

            fixed (nint* outNames = _handle.OutputNames)
            {
                _api.Check(_api.Run(_handle.DangerousGetHandle(), 0, inNames, inValues, (nuint)ni, outNames, (nuint)no, outValues), "Running", _modelName);
            }

            for (int o = 0; o < no; o++)
            {
                ReadOnlySpan<float> produced = ReadTensor(outValues[o], OutputNames[o], out long[] shape);
                result[o] = new OnnxTensor(OutputNames[o], produced.ToArray(), shape);
            }

            return result;
        }
        finally
        {
            for (int i = 0; i < ni; i++)
            {
                ReleaseValue(inValues[i]);
                pins[i].Dispose();
            }

            for (int o = 0; o < no; o++)
            {
                ReleaseValue(outValues[o]);
            }

            if (addedRef)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Resolves each input's name, checks its length against its shape, pins its data (into
    /// <paramref name="pins"/>[pinned..]) and wraps it as an ORT tensor without copying. The caller releases the
    /// values and disposes the pins, also when this throws half-way.
    /// </summary>
    private unsafe void BindInputs(ReadOnlySpan<OnnxInput> inputs, nint* names, nint* values, Span<MemoryHandle> pins, ref int pinned)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            OnnxInput input = inputs[i];
            names[i] = _handle.InputNames[FindInput(input.Name)];
            long count = CheckedElementCount(input.Shape.Span, input.Name);
            if (count != input.Data.Length)
            {
                throw new ArgumentException($"Input '{input.Name}' has {input.Data.Length} values but its shape needs {count}.", nameof(inputs));
            }

            pins[pinned] = input.Data.Pin();
            values[i] = CreateTensor((float*)pins[pinned++].Pointer, count, input.Shape.Span, input.Name);
        }
    }

    private static unsafe OnnxSession Create(OnnxSessionOptions options, string modelName, string? path, ReadOnlySpan<byte> bytes)
    {
        options.Validate();
        OrtApi api = OrtApi.Instance;
        string? cudaReason = null;
        bool tryCuda = options.PreferCuda;
        while (true)
        {
            nint sessionOptions = CreateSessionOptions(api, options);
            try
            {
                bool cuda = false;
                if (tryCuda && !api.CudaProviderInstalled)
                {
                    cudaReason = $"the CUDA execution provider (libonnxruntime_providers_cuda.so) is not installed beside {api.LibraryPath}";
                }
                else if (tryCuda)
                {
                    OrtCudaProviderOptions cudaOptions = OrtCudaProviderOptions.Default;
                    nint status = api.SessionOptionsAppendExecutionProviderCuda(sessionOptions, &cudaOptions);
                    if (status == 0)
                    {
                        cuda = true;
                    }
                    else
                    {
                        cudaReason = api.TakeError(status).Message;
                    }
                }

                nint session;
                nint createStatus;
                if (path is not null)
                {
                    createStatus = CreateSessionFromPath(api, path, sessionOptions, &session);
                }
                else
                {
                    fixed (byte* data = bytes)
                    {
                        createStatus = api.CreateSessionFromArray(api.Env, data, (nuint)bytes.Length, sessionOptions, &session);
                    }
                }

                if (createStatus != 0)
                {
                    (OnnxRuntimeErrorCode code, string message) = api.TakeError(createStatus);
                    if (cuda)
                    {
                        // The CUDA provider attached but could not start (no device, driver mismatch): retry on CPU.
                        cudaReason = message;
                        tryCuda = false;
                        continue;
                    }

                    throw new OnnxRuntimeException($"Could not load ONNX {modelName}: {message}", code);
                }

                var handle = new OrtSessionHandle(session);
                try
                {
                    return new OnnxSession(api, handle, modelName, cuda ? "CUDA" : "CPU", cuda ? null : cudaReason);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }
            finally
            {
                api.ReleaseSessionOptions(sessionOptions);
            }
        }
    }

    private static unsafe nint CreateSessionFromPath(OrtApi api, string path, nint sessionOptions, nint* session)
    {
        // ORTCHAR_T is wchar_t on Windows and UTF-8 char elsewhere.
        if (OperatingSystem.IsWindows())
        {
            fixed (char* p = path)
            {
                return api.CreateSession(api.Env, p, sessionOptions, session);
            }
        }

        byte[] utf8 = NullTerminatedUtf8(path);
        fixed (byte* p = utf8)
        {
            return api.CreateSession(api.Env, p, sessionOptions, session);
        }
    }

    private static unsafe nint CreateSessionOptions(OrtApi api, OnnxSessionOptions options)
    {
        nint sessionOptions;
        api.Check(api.CreateSessionOptions(&sessionOptions), "Creating session options");
        try
        {
            api.Check(api.SetIntraOpNumThreads(sessionOptions, options.IntraOpThreads), "Setting intra-op threads");
            api.Check(api.SetInterOpNumThreads(sessionOptions, options.InterOpThreads), "Setting inter-op threads");
            api.Check(api.SetSessionGraphOptimizationLevel(sessionOptions, (int)options.GraphOptimization), "Setting the graph optimisation level");
            return sessionOptions;
        }
        catch
        {
            api.ReleaseSessionOptions(sessionOptions);
            throw;
        }
    }

    private static byte[] NullTerminatedUtf8(string text)
    {
        byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static long CheckedElementCount(ReadOnlySpan<long> shape, string name)
    {
        if (shape.Length > MaxRank)
        {
            throw new ArgumentException($"Tensor '{name}' has rank {shape.Length}; at most {MaxRank} is supported.");
        }

        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension ({d}); give concrete sizes when running.");
            }

            count = checked(count * d);
        }

        if (count > int.MaxValue)
        {
            throw new ArgumentException($"Tensor '{name}' has {count} elements, more than a managed buffer can hold.");
        }

        return count;
    }

    private unsafe nint CreateTensor(float* data, long count, ReadOnlySpan<long> shape, string name)
    {
        nint value;
        fixed (long* dims = shape)
        {
            nint status = _api.CreateTensorWithDataAsOrtValue(_api.CpuMemoryInfo, data, (nuint)(count * sizeof(float)), dims, (nuint)shape.Length, OrtApi.TensorElementFloat, &value);
            if (status != 0)
            {
                _api.Check(status, $"Wrapping tensor '{name}' for {_modelName}"); // message built only on failure: Run must not allocate.
            }
        }

        return value;
    }

    private unsafe ReadOnlySpan<float> ReadTensor(nint value, string name, out long[] shape)
    {
        nint info;
        _api.Check(_api.GetTensorTypeAndShape(value, &info), $"Reading the shape of output '{name}'");
        try
        {
            int elementType;
            _api.Check(_api.GetTensorElementType(info, &elementType), $"Reading the type of output '{name}'");
            if (elementType != OrtApi.TensorElementFloat)
            {
                throw new OnnxRuntimeException($"Output '{name}' of {_modelName} has element type {elementType}, not float; only float outputs are supported.");
            }

            nuint rank;
            _api.Check(_api.GetDimensionsCount(info, &rank), $"Reading the rank of output '{name}'");
            shape = new long[(int)rank];
            fixed (long* dims = shape)
            {
                _api.Check(_api.GetDimensions(info, dims, rank), $"Reading the dimensions of output '{name}'");
            }

            nuint count;
            _api.Check(_api.GetTensorShapeElementCount(info, &count), $"Reading the size of output '{name}'");
            void* data;
            _api.Check(_api.GetTensorMutableData(value, &data), $"Reading output '{name}'");
            return new ReadOnlySpan<float>(data, checked((int)count));
        }
        finally
        {
            _api.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    private void ReleaseValue(nint value)
    {
        if (value != 0)
        {
            unsafe
            {
                _api.ReleaseValue(value);
            }
        }
    }

    private int FindInput(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return name is not null && _inputIndex.TryGetValue(name, out int index)
            ? index
            : throw new ArgumentException($"{_modelName} has no input '{name}'; its inputs are: {string.Join(", ", InputNames)}.");
    }

    private int FindOutput(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return name is not null && _outputIndex.TryGetValue(name, out int index)
            ? index
            : throw new ArgumentException($"{_modelName} has no output '{name}'; its outputs are: {string.Join(", ", OutputNames)}.");
    }

    private unsafe IReadOnlyList<OnnxTensorInfo> ReadTensorInfos(bool isInput)
    {
        nint session = _handle.DangerousGetHandle();
        nuint count;
        _api.Check(isInput ? _api.SessionGetInputCount(session, &count) : _api.SessionGetOutputCount(session, &count), $"Counting tensors of {_modelName}");
        var infos = new OnnxTensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            nint namePtr;
            _api.Check(
                isInput ? _api.SessionGetInputName(session, i, _api.DefaultAllocator, &namePtr) : _api.SessionGetOutputName(session, i, _api.DefaultAllocator, &namePtr),
                $"Reading tensor names of {_modelName}");
            string name = _api.TakeString(namePtr);

            nint typeInfo;
            _api.Check(isInput ? _api.SessionGetInputTypeInfo(session, i, &typeInfo) : _api.SessionGetOutputTypeInfo(session, i, &typeInfo), $"Reading the type of '{name}'");
            try
            {
                int onnxType;
                _api.Check(_api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), $"Reading the type of '{name}'");
                if (onnxType != OrtApi.OnnxTypeTensor)
                {
                    infos[(int)i] = new OnnxTensorInfo(name, false, [], []);
                    continue;
                }

                nint tensorInfo; // owned by typeInfo: not released separately.
                _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), $"Reading the tensor type of '{name}'");
                int elementType;
                _api.Check(_api.GetTensorElementType(tensorInfo, &elementType), $"Reading the element type of '{name}'");
                nuint rank;
                _api.Check(_api.GetDimensionsCount(tensorInfo, &rank), $"Reading the rank of '{name}'");
                long[] dims = new long[(int)rank];
                nint[] symbolic = new nint[(int)rank];
                fixed (long* d = dims)
                fixed (nint* s = symbolic)
                {
                    _api.Check(_api.GetDimensions(tensorInfo, d, rank), $"Reading the dimensions of '{name}'");
                    _api.Check(_api.GetSymbolicDimensions(tensorInfo, s, rank), $"Reading the dimension names of '{name}'");
                }

                string[] dimNames = symbolic.Select(p => p == 0 ? string.Empty : Marshal.PtrToStringUTF8(p) ?? string.Empty).ToArray();
                infos[(int)i] = new OnnxTensorInfo(name, elementType == OrtApi.TensorElementFloat, dims, dimNames);
            }
            finally
            {
                _api.ReleaseTypeInfo(typeInfo);
            }
        }

        return infos;
    }

    private unsafe string ReadProducerName()
    {
        nint metadata;
        _api.Check(_api.SessionGetModelMetadata(_handle.DangerousGetHandle(), &metadata), $"Reading metadata of {_modelName}");
        try
        {
            nint value;
            _api.Check(_api.ModelMetadataGetProducerName(metadata, _api.DefaultAllocator, &value), $"Reading the producer of {_modelName}");
            return _api.TakeString(value);
        }
        finally
        {
            _api.ReleaseModelMetadata(metadata);
        }
    }
}
