using System.Collections.Frozen;
using Microsoft.ML.OnnxRuntime;
using Ort = Microsoft.ML.OnnxRuntime;

namespace HeartStream.Pipeline.Inference;

/// <summary>
/// An ONNX model loaded into ONNX Runtime (the Microsoft.ML.OnnxRuntime package), run on float tensors. The
/// preallocated <see cref="Run(string, ReadOnlySpan{float}, ReadOnlySpan{long}, string, Span{float}, ReadOnlySpan{long})"/>
/// goes through an <see cref="OrtIoBinding"/> over pinned buffers kept per shape (<see cref="OnnxRunSlots"/>), so in
/// steady state it allocates nothing managed. Thread-safety: concurrent Runs are allowed; disposing while a Run is in
/// flight is safe too (the native session is freed when the last Run returns).
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OnnxRunSlots _slots;
    private readonly FrozenDictionary<string, int> _inputIndex;
    private readonly FrozenDictionary<string, int> _outputIndex;
    private readonly string _modelName;
    private int _active;
    private int _disposed;
    private int _released;

    private OnnxSession(InferenceSession session, string modelName, string executionProvider, string? cudaUnavailableReason)
    {
        _session = session;
        _modelName = modelName;
        ExecutionProvider = executionProvider;
        CudaUnavailableReason = cudaUnavailableReason;
        InputNames = session.InputNames.ToArray();
        OutputNames = session.OutputNames.ToArray();
        Inputs = InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToArray();
        Outputs = OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToArray();
        _inputIndex = InputNames.Select((n, i) => KeyValuePair.Create(n, i)).ToFrozenDictionary(StringComparer.Ordinal);
        _outputIndex = OutputNames.Select((n, i) => KeyValuePair.Create(n, i)).ToFrozenDictionary(StringComparer.Ordinal);
        ModelMetadata metadata = session.ModelMetadata;
        ProducerName = metadata.ProducerName;
        Metadata = metadata.CustomMetadataMap.ToFrozenDictionary(StringComparer.Ordinal);
        _slots = new OnnxRunSlots(session);
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

    private FrozenDictionary<string, string> Metadata { get; }

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

        return Create(options ?? new OnnxSessionOptions(), $"model file '{fullPath}'", so => new InferenceSession(fullPath, so));
    }

    /// <summary>Loads a model from its serialised bytes; <paramref name="description"/> names it in error messages.</summary>
    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null, string description = "in-memory model")
    {
        if (model.IsEmpty)
        {
            throw new ArgumentException($"The {description} is empty: an ONNX model needs at least a graph.", nameof(model));
        }

        byte[] bytes = model.ToArray();
        return Create(options ?? new OnnxSessionOptions(), description, so => new InferenceSession(bytes, so));
    }

    /// <summary>Looks up a string in the model's metadata_props (e.g. the training manifest hash); null when absent.</summary>
    public string? GetMetadata(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Metadata.GetValueOrDefault(key);
    }

    /// <summary>
    /// Runs with one input and one output, both in caller memory; allocates nothing managed once a slot for these
    /// shapes exists. The output shape must be known (the caller computes it from the input shape) and
    /// <paramref name="output"/> must hold its element count.
    /// </summary>
    public void Run(string inputName, ReadOnlySpan<float> input, ReadOnlySpan<long> inputShape, string outputName, Span<float> output, ReadOnlySpan<long> outputShape)
    {
        ArgumentNullException.ThrowIfNull(inputName);
        ArgumentNullException.ThrowIfNull(outputName);
        int inputIndex = FindInput(inputName);
        int outputIndex = FindOutput(outputName);
        long inputCount = OnnxRunSlots.CheckedElementCount(inputShape, inputName);
        if (inputCount != input.Length)
        {
            throw new ArgumentException($"Input '{inputName}' has {input.Length} values but shape [{string.Join(", ", inputShape.ToArray())}] needs {inputCount}.", nameof(input));
        }

        long outputCount = OnnxRunSlots.CheckedElementCount(outputShape, outputName);
        if (outputCount > output.Length)
        {
            throw new ArgumentException($"Output buffer for '{outputName}' holds {output.Length} values but shape needs {outputCount}.", nameof(output));
        }

        Enter();
        OnnxRunSlots.Slot? slot = null;
        try
        {
            slot = _slots.Rent(inputIndex, inputShape, outputIndex, outputShape);
            input.CopyTo(slot.Input);
            try
            {
                _session.RunWithBinding(_runOptions, slot.Binding);
            }
            catch (Ort.OnnxRuntimeException e)
            {
                throw new OnnxRuntimeException($"Running {_modelName}: {e.Message}", e);
            }

            slot.Output.CopyTo(output);
        }
        finally
        {
            if (slot is not null)
            {
                _slots.Return(slot);
            }

            Exit();
        }
    }

    /// <summary>Runs and returns every output as a new managed tensor (convenient; allocates).</summary>
    public IReadOnlyList<OnnxTensor> Run(ReadOnlySpan<OnnxInput> inputs)
    {
        var names = new string[inputs.Length];
        var values = new OrtValue[inputs.Length];
        Enter();
        try
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                OnnxInput input = inputs[i];
                names[i] = InputNames[FindInput(input.Name)];
                long count = OnnxRunSlots.CheckedElementCount(input.Shape.Span, input.Name);
                if (count != input.Data.Length)
                {
                    throw new ArgumentException($"Input '{input.Name}' has {input.Data.Length} values but its shape needs {count}.", nameof(inputs));
                }

                values[i] = OrtValue.CreateTensorValueFromMemory(input.Data.ToArray(), input.Shape.ToArray());
            }

            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = _session.Run(_runOptions, names, values, OutputNames.ToArray());
            }
            catch (Ort.OnnxRuntimeException e)
            {
                throw new OnnxRuntimeException($"Running {_modelName}: {e.Message}", e);
            }

            using (results)
            {
                var tensors = new OnnxTensor[OutputNames.Count];
                int o = 0;
                foreach (OrtValue value in results)
                {
                    OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
                    if (info.ElementDataType != Ort.Tensors.TensorElementType.Float)
                    {
                        throw new OnnxRuntimeException($"Output '{OutputNames[o]}' of {_modelName} has element type {info.ElementDataType}, not float; only float outputs are supported.");
                    }

                    tensors[o] = new OnnxTensor(OutputNames[o], value.GetTensorDataAsSpan<float>().ToArray(), info.Shape);
                    o++;
                }

                return tensors;
            }
        }
        finally
        {
            foreach (OrtValue? value in values)
            {
                value?.Dispose();
            }

            Exit();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _active) == 0)
        {
            Release();
        }
    }

    private static OnnxSession Create(OnnxSessionOptions options, string modelName, Func<SessionOptions, InferenceSession> open)
    {
        options.Validate();
        string? cudaReason = null;
        if (options.PreferCuda)
        {
            using SessionOptions cudaOptions = CreateSessionOptions(options);
            if (!OnnxRuntimeInfo.CudaProviderInstalled)
            {
                cudaReason = "this ONNX Runtime build has no CUDA execution provider (build with -p:HeartStreamCuda=true " +
                    $"for Microsoft.ML.OnnxRuntime.Gpu.Linux; providers here: {string.Join(", ", OnnxRuntimeInfo.AvailableProviders)})";
            }
            else
            {
                try
                {
                    cudaOptions.AppendExecutionProvider_CUDA(0);
                    return new OnnxSession(open(cudaOptions), modelName, "CUDA", null);
                }
                catch (Exception e) when (e is Ort.OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    // The provider is there but cannot start (no device, no libcudart/cuDNN, driver mismatch): CPU.
                    cudaReason = e.Message;
                }
            }
        }

        using SessionOptions cpuOptions = CreateSessionOptions(options);
        InferenceSession session;
        try
        {
            session = open(cpuOptions);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw new OnnxRuntimeException($"Could not load ONNX {modelName}: {e.Message}", e);
        }

        try
        {
            return new OnnxSession(session, modelName, "CPU", cudaReason);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static SessionOptions CreateSessionOptions(OnnxSessionOptions options) => new()
    {
        IntraOpNumThreads = options.IntraOpThreads,
        InterOpNumThreads = options.InterOpThreads,
        GraphOptimizationLevel = (GraphOptimizationLevel)(int)options.GraphOptimization,
    };

    private static OnnxTensorInfo Describe(string name, NodeMetadata metadata) => metadata.IsTensor
        ? new OnnxTensorInfo(
            name,
            metadata.ElementDataType == Ort.Tensors.TensorElementType.Float,
            metadata.Dimensions.Select(d => (long)d).ToArray(),
            metadata.SymbolicDimensions.Select(s => s ?? string.Empty).ToArray())
        : new OnnxTensorInfo(name, false, [], []);

    private void Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(nameof(OnnxSession));
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _disposed) != 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _slots.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
        }
    }

    private int FindInput(string name)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return name is not null && _inputIndex.TryGetValue(name, out int index)
            ? index
            : throw new ArgumentException($"{_modelName} has no input '{name}'; its inputs are: {string.Join(", ", InputNames)}.");
    }

    private int FindOutput(string name)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return name is not null && _outputIndex.TryGetValue(name, out int index)
            ? index
            : throw new ArgumentException($"{_modelName} has no output '{name}'; its outputs are: {string.Join(", ", OutputNames)}.");
    }
}
