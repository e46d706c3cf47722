using System.Runtime.InteropServices;
using Google.Protobuf;
using global::Onnx;

namespace HeartStream.Training.Onnx;

/// <summary>
/// Builds an ONNX <see cref="ModelProto"/> (default opset 17, IR version 8) from float initializers and standard
/// operators, for exporting trained models to ONNX Runtime. Node helpers return the name of the value they produce,
/// so a graph reads like the forward pass: <c>var h = b.Relu(b.Conv(x, w, bias, pads: [2, 2]));</c>.
/// <see cref="Build"/> checks that every value a node or output uses is defined, so a wiring mistake fails here with
/// the name at fault rather than as an obscure load error in ORT.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>IR version matching opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    private readonly GraphProto _graph;
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName, int opset = 17)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        if (opset is < 13 or > 21)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), opset, "Opset must be between 13 and 21: the helpers use opset-13 operator signatures (Softmax axis, ReduceMean axes attribute up to 17).");
        }

        Opset = opset;
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>The default-domain opset the model imports.</summary>
    public int Opset { get; }

    /// <summary>producer_name of the model.</summary>
    public string ProducerName { get; set; } = "HeartStream";

    /// <summary>producer_version of the model (e.g. the trainer's version).</summary>
    public string ProducerVersion { get; set; } = "1";

    /// <summary>doc_string of the model: what it does and what it was trained on.</summary>
    public string DocString { get; set; } = string.Empty;

    /// <summary>Adds (or replaces) a metadata_props entry, e.g. the training manifest hash.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
    }

    /// <summary>Declares a float graph input; returns its name.</summary>
    public string AddInput(string name, params OnnxDim[] shape)
    {
        _graph.Input.Add(ValueInfo(DefineName(name), shape));
        return name;
    }

    /// <summary>Declares a float graph output (a value some node produces, renamed via Identity when needed).</summary>
    public string AddOutput(string value, string name, params OnnxDim[] shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (!string.Equals(value, name, StringComparison.Ordinal))
        {
            AddNode("Identity", [value], name);
        }

        _graph.Output.Add(ValueInfo(name, shape));
        return name;
    }

    /// <summary>Adds a float initializer (a weight) of the given dimensions; returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        CheckCount(name, values.Length, dims);
        var tensor = new TensorProto { Name = DefineName(name), DataType = FloatType };
        tensor.Dims.Add(dims);
        if (BitConverter.IsLittleEndian)
        {
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }
        else
        {
            tensor.FloatData.Add(values.ToArray());
        }

        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds an int64 initializer (shapes, axes, sizes); returns its name.</summary>
    public string AddInt64Initializer(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        CheckCount(name, values.Length, dims);
        var tensor = new TensorProto { Name = DefineName(name), DataType = Int64Type };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values.ToArray());
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a float scalar constant (rank 0) with a generated name; returns its name.</summary>
    public string AddScalar(float value, string? name = null) => AddInitializer(name ?? NewName("const"), [value]);

    /// <summary>
    /// Adds any operator node. Use "" in <paramref name="inputs"/> for an omitted optional input. Returns the first
    /// output's name (generated from the operator when <paramref name="output"/> is null).
    /// </summary>
    public string AddNode(string opType, IReadOnlyList<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        string outName = DefineName(output ?? NewName(opType.ToLowerInvariant()));
        var node = new NodeProto { OpType = opType, Name = NewName(opType) };
        node.Input.Add(inputs);
        node.Output.Add(outName);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return outName;
    }

    /// <summary>Conv (1-d or 2-d by the weight's rank). <paramref name="bias"/> may be null.</summary>
    public string Conv(string x, string weight, string? bias, long[]? strides = null, long[]? pads = null, long[]? dilations = null, long group = 1)
    {
        return AddNode("Conv", bias is null ? [x, weight] : [x, weight, bias], null, Present(Ints("strides", strides), Ints("pads", pads), Ints("dilations", dilations), Int("group", group)));
    }

    /// <summary>ConvTranspose (learned upsampling). <paramref name="bias"/> may be null.</summary>
    public string ConvTranspose(string x, string weight, string? bias, long[]? strides = null, long[]? pads = null, long[]? outputPadding = null, long group = 1)
    {
        return AddNode("ConvTranspose", bias is null ? [x, weight] : [x, weight, bias], null, Present(Ints("strides", strides), Ints("pads", pads), Ints("output_padding", outputPadding), Int("group", group)));
    }

    /// <summary>BatchNormalization in inference mode with running statistics.</summary>
    public string BatchNormalization(string x, string scale, string bias, string mean, string variance, float epsilon = 1e-5f) =>
        AddNode("BatchNormalization", [x, scale, bias, mean, variance], null, Float("epsilon", epsilon));

    public string Relu(string x) => AddNode("Relu", [x]);

    public string Sigmoid(string x) => AddNode("Sigmoid", [x]);

    public string Erf(string x) => AddNode("Erf", [x]);

    public string Identity(string x, string? output = null) => AddNode("Identity", [x], output);

    public string Add(string a, string b) => AddNode("Add", [a, b]);

    public string Sub(string a, string b) => AddNode("Sub", [a, b]);

    public string Mul(string a, string b) => AddNode("Mul", [a, b]);

    public string Div(string a, string b) => AddNode("Div", [a, b]);

    public string MatMul(string a, string b) => AddNode("MatMul", [a, b]);

    /// <summary>Gemm: alpha·A'·B' + beta·C, with optional transposes (a dense layer is Gemm(x, W, b, transB: true)).</summary>
    public string Gemm(string a, string b, string? c, bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f) =>
        AddNode("Gemm", c is null ? [a, b] : [a, b, c], null, Int("transA", transA ? 1 : 0), Int("transB", transB ? 1 : 0), Float("alpha", alpha), Float("beta", beta));

    /// <summary>
    /// Exact (erf-based) GELU, 0.5·x·(1 + erf(x/√2)), built from Div/Erf/Add/Mul because the Gelu operator only
    /// exists from opset 20.
    /// </summary>
    public string Gelu(string x)
    {
        string scaled = Div(x, AddScalar(MathF.Sqrt(2f)));
        string onePlusErf = Add(Erf(scaled), AddScalar(1f));
        return Mul(Mul(x, onePlusErf), AddScalar(0.5f));
    }

    public string Transpose(string x, params long[] perm) => AddNode("Transpose", [x], null, Ints("perm", perm)!);

    public string Softmax(string x, long axis = -1) => AddNode("Softmax", [x], null, Int("axis", axis));

    public string MaxPool(string x, long[] kernelShape, long[]? strides = null, long[]? pads = null)
    {
        ArgumentNullException.ThrowIfNull(kernelShape);
        return AddNode("MaxPool", [x], null, Present(Ints("kernel_shape", kernelShape), Ints("strides", strides), Ints("pads", pads)));
    }

    public string Concat(long axis, params string[] inputs) => AddNode("Concat", inputs, null, Int("axis", axis));

    /// <summary>ReduceMean over <paramref name="axes"/> (attribute form, valid up to opset 17).</summary>
    public string ReduceMean(string x, long[] axes, bool keepDims = true)
    {
        if (Opset >= 18)
        {
            string axesName = AddInt64Initializer(NewName("axes"), axes, axes.Length);
            return AddNode("ReduceMean", [x, axesName], null, Int("keepdims", keepDims ? 1 : 0));
        }

        return AddNode("ReduceMean", [x], null, Ints("axes", axes)!, Int("keepdims", keepDims ? 1 : 0));
    }

    /// <summary>Nearest-neighbour upsampling by integer <paramref name="scales"/> per axis (Resize, output[i] = input[i / s]).</summary>
    public string Upsample(string x, params float[] scales)
    {
        string scalesName = AddInitializer(NewName("scales"), scales, scales.Length);
        return AddNode("Resize", [x, string.Empty, scalesName], null,
            Str("mode", "nearest"), Str("coordinate_transformation_mode", "asymmetric"), Str("nearest_mode", "floor"));
    }

    /// <summary>The model; throws <see cref="InvalidOperationException"/> naming any value used before it is defined.</summary>
    public ModelProto Build()
    {
        Validate();
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            DocString = DocString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        foreach ((string key, string value) in _metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>The serialised model.</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    /// <summary>Writes the model to <paramref name="path"/> (via a temporary file, so a reader never sees half a model).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = ToBytes();
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        string temp = full + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    private static ValueInfoProto ValueInfo(string name, OnnxDim[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var tensorShape = new TensorShapeProto();
        foreach (OnnxDim d in shape)
        {
            tensorShape.Dim.Add(d.Name is null
                ? new TensorShapeProto.Types.Dimension { DimValue = d.Size }
                : new TensorShapeProto.Types.Dimension { DimParam = d.Name });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = tensorShape } },
        };
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        long expected = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Initializer '{name}' has a negative dimension ({d}).", nameof(dims));
            }

            expected = checked(expected * d);
        }

        if (expected != count)
        {
            throw new ArgumentException($"Initializer '{name}' has {count} values but dimensions [{string.Join(", ", dims)}] need {expected}.", nameof(dims));
        }
    }

    private static AttributeProto[] Present(params AttributeProto?[] attributes) => attributes.OfType<AttributeProto>().ToArray();

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Str(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto? Ints(string name, long[]? values)
    {
        if (values is null)
        {
            return null;
        }

        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private string DefineName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is already used in graph '{_graph.Name}'; ONNX values must be unique.", nameof(name));
        }

        return name;
    }

    private string NewName(string stem)
    {
        string name;
        do
        {
            name = $"{stem}_{_counter++}";
        }
        while (_names.Contains(name));
        return name;
    }

    private void Validate()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        defined.UnionWith(_graph.Input.Select(i => i.Name));
        defined.UnionWith(_graph.Initializer.Select(i => i.Name));
        foreach (NodeProto node in _graph.Node)
        {
            foreach (string input in node.Input)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    throw new InvalidOperationException($"Node '{node.Name}' ({node.OpType}) uses '{input}', which is not a graph input, an initializer or the output of an earlier node.");
                }
            }

            defined.UnionWith(node.Output);
        }

        if (_graph.Output.Count == 0)
        {
            throw new InvalidOperationException($"Graph '{_graph.Name}' has no outputs; call AddOutput.");
        }

        foreach (ValueInfoProto output in _graph.Output)
        {
            if (!defined.Contains(output.Name))
            {
                throw new InvalidOperationException($"Graph output '{output.Name}' is not produced by any node.");
            }
        }
    }
}
