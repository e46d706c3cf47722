using HeartStream.Training.Nn;

namespace HeartStream.Training.Tests.Nn;

/// <summary>Builds the C# counterpart of each make_grad_fixtures.py case and compares every output and gradient.</summary>
internal static class TorchCases
{
    public static readonly string[] Names =
    [
        "conv1d_stride2_pad3_dil2", "conv1d_same_k5_dil2", "batchnorm1d_train", "batchnorm1d_eval", "relu", "gelu",
        "maxpool1d", "upsample1d", "linear", "globalavgpool1d", "cross_entropy_segmentation",
        "cross_entropy_classification", "adamw_linear_3steps", "tiny_model_conv_bn_relu_conv", "skip_blocks",
        "conv1d_asym_pad7_1_k5_dil2", "soft_cross_entropy_segmentation",
    ];

    public static void Run(string directory, string name)
    {
        GradFixture f = GradFixture.Load(directory, name);
        var rng = new Random(0);
        switch (name)
        {
            case "conv1d_stride2_pad3_dil2":
                CheckLayer(f, new Conv1d(3, 4, 3, rng, stride: 2, padding: 3, dilation: 2), training: true);
                break;
            case "conv1d_asym_pad7_1_k5_dil2":
                CheckLayer(f, new Conv1d(3, 4, 5, rng, padding: 7, dilation: 2, paddingRight: 1), training: true);
                break;
            case "conv1d_same_k5_dil2":
                CheckLayer(f, new Conv1d(3, 5, 5, rng, padding: Conv1d.SamePadding, dilation: 2), training: true);
                break;
            case "batchnorm1d_train":
                CheckLayer(f, new BatchNorm1d(4, momentum: 0.1), training: true);
                break;
            case "batchnorm1d_eval":
                CheckLayer(f, new BatchNorm1d(4), training: false);
                break;
            case "relu":
                CheckLayer(f, new Relu(), training: true);
                break;
            case "gelu":
                CheckLayer(f, new Gelu(), training: true);
                break;
            case "maxpool1d":
                CheckLayer(f, new MaxPool1d(), training: true);
                break;
            case "upsample1d":
                CheckLayer(f, new Upsample1d(), training: true);
                break;
            case "linear":
                CheckLayer(f, new Linear(6, 3, rng), training: true);
                break;
            case "globalavgpool1d":
                CheckLayer(f, new GlobalAvgPool1d(), training: true);
                break;
            case "cross_entropy_segmentation":
            case "cross_entropy_classification":
                CheckLoss(f);
                break;
            case "soft_cross_entropy_segmentation":
                CheckSoftLoss(f);
                break;
            case "adamw_linear_3steps":
                CheckAdamW(f);
                break;
            case "tiny_model_conv_bn_relu_conv":
                CheckTinyModel(f);
                break;
            case "skip_blocks":
                CheckLayer(f, SkipBlocks(rng), training: true);
                break;
            default:
                throw new ArgumentException($"Unknown fixture case {name}.", nameof(name));
        }
    }

    /// <summary>Conv → Residual(Conv, GELU) → ConcatSkip(MaxPool, Conv, Upsample) → Conv1x1, as in the script.</summary>
    private static Sequential SkipBlocks(Random rng) => new(
        new Conv1d(4, 4, 3, rng, padding: 1),
        new ResidualAdd(new Sequential(new Conv1d(4, 4, 3, rng, padding: 1), new Gelu())),
        new ConcatSkip(new Sequential(new MaxPool1d(), new Conv1d(4, 4, 3, rng, padding: 1), new Upsample1d())),
        new Conv1d(8, 3, 1, rng));

    private static void CheckLayer(GradFixture f, ILayer layer, bool training)
    {
        if (layer.Children.Count > 0)
        {
            // Qualified names must be torch's state_dict names, so the exporter and checkpoints line up.
            Assert.Equal(f.ParamOrder, ModelState.NamedParameters(layer).Select(kv => kv.Key));
        }

        f.LoadInto(layer);
        Tensor y = layer.Forward(f.Tensor("x"), training);
        Assert.Equal(f.ShapeOf("y"), y.Shape);
        f.AssertClose("y", y.Data);
        Tensor dx = layer.Backward(f.Tensor("gy"));
        f.AssertClose("dx", dx.Data);
        for (int i = 0; i < f.ParamOrder.Count; i++)
        {
            f.AssertClose("g." + f.ParamOrder[i], layer.Parameters[i].Grad);
        }

        string[] buffers = [.. f.BufferNames];
        for (int i = 0; i < buffers.Length; i++)
        {
            f.AssertClose("b." + buffers[i], layer.Buffers[i].Value);
        }
    }

    private static void CheckLoss(GradFixture f)
    {
        var loss = new CrossEntropyLoss([.. f.Raw("weights").Select(v => (float)v)], ignoreIndex: -1);
        float value = loss.Compute(f.Tensor("x"), f.Ints("targets"));
        f.AssertClose("loss", [value]);
        f.AssertClose("dx", loss.Gradient.Data);
    }

    private static void CheckSoftLoss(GradFixture f)
    {
        var loss = new SoftCrossEntropyLoss();
        float value = loss.Compute(f.Tensor("x"), f.Tensor("soft"));
        f.AssertClose("loss", [value]);
        f.AssertClose("dx", loss.Gradient.Data);
    }

    private static void CheckAdamW(GradFixture f)
    {
        var model = new Linear(4, 3, new Random(0));
        f.LoadInto(model);
        var optimizer = new AdamW(
            model.Parameters, f.Attrs["lr"], f.Attrs["beta1"], f.Attrs["beta2"], f.Attrs["eps"], f.Attrs["weight_decay"]);
        var loss = new CrossEntropyLoss();
        Tensor x = f.Tensor("x");
        int[] targets = f.Ints("targets");
        for (int step = 1; step <= 3; step++)
        {
            optimizer.ZeroGrad();
            loss.Compute(model.Forward(x, training: true), targets);
            model.Backward(loss.Gradient);
            optimizer.Step();
            f.AssertClose($"step{step}.weight", model.Weight.Value);
            f.AssertClose($"step{step}.bias", model.Bias!.Value);
        }
    }

    private static void CheckTinyModel(GradFixture f)
    {
        var rng = new Random(0);
        var model = new Sequential(
            new Conv1d(4, 8, 5, rng, padding: Conv1d.SamePadding), new BatchNorm1d(8), new Relu(),
            new Conv1d(8, 3, 3, rng, padding: 1));
        Assert.Equal(f.ParamOrder, ModelState.NamedParameters(model).Select(kv => kv.Key));
        Assert.Equal(f.BufferNames, ModelState.NamedBuffers(model).Select(kv => kv.Key));
        f.LoadInto(model);
        var loss = new CrossEntropyLoss([.. f.Raw("weights").Select(v => (float)v)]);
        Tensor y = model.Forward(f.Tensor("x"), training: true);
        f.AssertClose("y", y.Data);
        f.AssertClose("loss", [loss.Compute(y, f.Ints("targets"))]);
        f.AssertClose("dx", model.Backward(loss.Gradient).Data);
        for (int i = 0; i < f.ParamOrder.Count; i++)
        {
            f.AssertClose("g." + f.ParamOrder[i], model.Parameters[i].Grad);
        }

        string[] buffers = [.. f.BufferNames];
        for (int i = 0; i < buffers.Length; i++)
        {
            f.AssertClose("b." + buffers[i], model.Buffers[i].Value);
        }
    }
}
