using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Torch;

/// <summary>x + inner(x): a residual connection around a block (exported as ONNX Add).</summary>
public sealed class Residual : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> inner;

    public Residual(nn.Module<Tensor, Tensor> inner, string name = "residual")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(inner);
        this.inner = inner;
        RegisterComponents();
    }

    /// <summary>The wrapped block (its state-dict prefix is "inner.").</summary>
    public nn.Module<Tensor, Tensor> Inner => inner;

    public override Tensor forward(Tensor input) => input + inner.forward(input);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
