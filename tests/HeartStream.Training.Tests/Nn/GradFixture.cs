using System.Text.Json;
using HeartStream.TestSupport;
using HeartStream.Training.Nn;

namespace HeartStream.Training.Tests.Nn;

/// <summary>One case written by Fixtures/make_grad_fixtures.py (PyTorch 1.13, float64 on float32-valued inputs).</summary>
internal sealed class GradFixture
{
    /// <summary>|actual − expected| ≤ Tolerance · max(1, |expected|).</summary>
    public const double Tolerance = 1e-5;

    private readonly Dictionary<string, (int[] Shape, double[] Data)> _tensors = [];
    private readonly List<string> _tensorOrder = [];

    private GradFixture(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        Name = root.GetProperty("case").GetString()!;
        ParamOrder = [.. root.GetProperty("param_order").EnumerateArray().Select(e => e.GetString()!)];
        Attrs = root.GetProperty("attrs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        foreach (JsonProperty t in root.GetProperty("tensors").EnumerateObject())
        {
            int[] shape = [.. t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
            double[] data = [.. t.Value.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
            _tensors[t.Name] = (shape, data);
            _tensorOrder.Add(t.Name);
        }
    }

    public static string CheckedInDirectory =>
        Path.Combine(RepoPaths.Root, "tests", "HeartStream.Training.Tests", "Nn", "Fixtures");

    public static string ScriptPath => Path.Combine(CheckedInDirectory, "make_grad_fixtures.py");

    public string Name { get; }

    public IReadOnlyList<string> ParamOrder { get; }

    public IReadOnlyDictionary<string, double> Attrs { get; }

    public IEnumerable<string> TensorNames => _tensorOrder;

    /// <summary>Buffer names (e.g. "running_mean") in torch's named_buffers order.</summary>
    public IEnumerable<string> BufferNames => _tensorOrder.Where(n => n.StartsWith("b.", StringComparison.Ordinal)).Select(n => n[2..]);

    public static GradFixture Load(string directory, string caseName)
    {
        string path = Path.Combine(directory, caseName + ".json");
        Assert.True(File.Exists(path), $"Fixture {path} is missing; run make_grad_fixtures.py.");
        return new GradFixture(path);
    }

    public bool Has(string name) => _tensors.ContainsKey(name);

    public double[] Raw(string name) =>
        _tensors.TryGetValue(name, out var t) ? t.Data : throw new KeyNotFoundException($"Fixture {Name} has no tensor '{name}'.");

    public int[] ShapeOf(string name) => _tensors[name].Shape;

    public Tensor Tensor(string name) => new([.. Raw(name).Select(v => (float)v)], ShapeOf(name));

    public int[] Ints(string name) => [.. Raw(name).Select(v => (int)v)];

    /// <summary>Copies p.&lt;name&gt; into the model's parameters (param_order) and buffers (b.* order).</summary>
    public void LoadInto(ILayer model)
    {
        Assert.Equal(ParamOrder.Count, model.Parameters.Count);
        for (int i = 0; i < ParamOrder.Count; i++)
        {
            Set(model.Parameters[i], "p." + ParamOrder[i]);
        }

        string[] buffers = [.. BufferNames];
        Assert.Equal(buffers.Length, model.Buffers.Count);
        for (int i = 0; i < buffers.Length; i++)
        {
            Set(model.Buffers[i], "p." + buffers[i]);
        }
    }

    public void AssertClose(string name, ReadOnlySpan<float> actual)
    {
        double[] expected = Raw(name);
        Assert.True(expected.Length == actual.Length, $"{Name}/{name}: expected {expected.Length} values, got {actual.Length}.");
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (!(err <= worstRatio))
            {
                worstRatio = err;
                worst = i;
            }
        }

        Assert.True(
            worstRatio <= Tolerance,
            $"{Name}/{name}: element {worst} is {(worst >= 0 ? actual[worst] : 0)} but torch gives {(worst >= 0 ? expected[worst] : 0)} (scaled error {worstRatio:E2} > {Tolerance:E0}).");
    }

    private void Set(Parameter p, string name)
    {
        Assert.True(ShapeOf(name).SequenceEqual(p.Shape), $"{Name}/{name}: shape [{string.Join(",", ShapeOf(name))}] vs C# [{string.Join(",", p.Shape)}].");
        double[] v = Raw(name);
        for (int i = 0; i < v.Length; i++)
        {
            p.Value[i] = (float)v[i];
        }
    }
}
