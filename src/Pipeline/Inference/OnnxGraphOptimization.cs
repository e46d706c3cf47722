namespace HeartStream.Pipeline.Inference;

/// <summary>ORT graph optimisation levels (GraphOptimizationLevel); values are ORT's own.</summary>
public enum OnnxGraphOptimization
{
    /// <summary>Run the graph as written (useful to compare against a reference computation).</summary>
    Disabled = 0,

    /// <summary>Constant folding and redundant-node removal.</summary>
    Basic = 1,

    /// <summary>Basic plus node fusions.</summary>
    Extended = 2,

    /// <summary>Everything, including layout optimisations (the default).</summary>
    All = 99,
}
