using HeartStream.Training.Nn;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Nn;

public sealed class TrainingBehaviourTests(ITestOutputHelper output)
{
    private static (float First, float Last, Sequential Model) Train(int seed, int steps)
    {
        Sequential model = ModelFactory.DilatedTcn(4, 8, 3, 5, 4, seed, dropout: 0.1);
        var optimizer = new AdamW(model.Parameters, learningRate: 0.01);
        var schedule = new WarmupCosineSchedule(0.01, warmupSteps: 3, totalSteps: steps);
        var loss = new CrossEntropyLoss([1f, 1f, 1.5f, 1f]);
        float first = 0, last = 0;
        for (int step = 0; step < steps; step++)
        {
            (Tensor x, int[] y) = SyntheticData.Batch(8, 4, 64, 4, seed: 100 + step);
            optimizer.LearningRate = schedule.LearningRateAt(step);
            optimizer.ZeroGrad();
            float value = loss.Compute(model.Forward(x, training: true), y);
            model.Backward(loss.Gradient);
            GradientClipping.ClipByGlobalNorm(model.Parameters, 1.0);
            optimizer.Step();
            if (step == 0)
            {
                first = value;
            }

            last = value;
        }

        return (first, last, model);
    }

    [Fact]
    public void Train_SyntheticSeparableTask_LossDecreases()
    {
        (float first, float last, Sequential model) = Train(seed: 7, steps: 40);
        Assert.True(last < 0.5 * first, $"Loss went from {first} to {last}; expected it to at least halve.");

        // Held-out synthetic batch in eval mode (running BN statistics): most frames right.
        (Tensor x, int[] y) = SyntheticData.Batch(8, 4, 64, 4, seed: 9999);
        Tensor logits = model.Forward(x, training: false);
        int correct = 0, total = 0;
        for (int n = 0; n < 8; n++)
        {
            for (int t = 0; t < 64; t++)
            {
                if (y[(n * 64) + t] < 0)
                {
                    continue;
                }

                int best = 0;
                for (int c = 1; c < 4; c++)
                {
                    if (logits.Data[(((n * 4) + c) * 64) + t] > logits.Data[(((n * 4) + best) * 64) + t])
                    {
                        best = c;
                    }
                }

                correct += best == y[(n * 64) + t] ? 1 : 0;
                total++;
            }
        }

        output.WriteLine($"Synthetic task: loss {first:F3} -> {last:F3} in 40 steps; eval accuracy {correct}/{total}.");
        Assert.True(correct > 0.8 * total, $"Eval accuracy {correct}/{total} on the synthetic task.");
    }

    [Fact]
    public void Train_SameSeedTwice_IdenticalWeights()
    {
        Sequential a = Train(seed: 3, steps: 6).Model, b = Train(seed: 3, steps: 6).Model;
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            Assert.Equal(a.Parameters[i].Value, b.Parameters[i].Value);
        }

        for (int i = 0; i < a.Buffers.Count; i++)
        {
            Assert.Equal(a.Buffers[i].Value, b.Buffers[i].Value);
        }

        Sequential c = Train(seed: 4, steps: 6).Model;
        Assert.NotEqual(a.Parameters[0].Value, c.Parameters[0].Value);
    }

    [Fact]
    public void WeightInit_Conv1d_UniformWithinTorchBound()
    {
        var conv = new Conv1d(32, 32, 5, new Random(1));
        float bound = 1f / MathF.Sqrt(32 * 5);
        Assert.All(conv.Weight.Value, w => Assert.InRange(w, -bound, bound));
        Assert.All(conv.Bias!.Value, w => Assert.InRange(w, -bound, bound));
        float maxAbs = conv.Weight.Value.Max(MathF.Abs);
        Assert.True(maxAbs > 0.9f * bound, "Weights should fill the uniform range.");
    }

    [Fact]
    public void Dropout_EvalAndTraining_IdentityAtEvalScaledMaskInTraining()
    {
        var dropout = new Dropout(0.25, seed: 5);
        var x = new Tensor(1, 1, 4000);
        Array.Fill(x.Data, 1f);
        Assert.Same(x, dropout.Forward(x, training: false));
        Tensor y = dropout.Forward(x, training: true);
        int zeros = y.Data.Count(v => v == 0f);
        Assert.InRange(zeros, 850, 1150);
        Assert.All(y.Data, v => Assert.True(v == 0f || Math.Abs(v - (1f / 0.75f)) < 1e-6));
        Tensor dx = dropout.Backward(x);
        Assert.Equal(y.Data, dx.Data);
    }

    [Fact]
    public void EarlyStopping_NoImprovementForPatience_StopsAndRestoresBest()
    {
        var model = new Linear(2, 1, new Random(1));
        var stopper = new EarlyStopping(model, patience: 2, higherIsBetter: true);
        model.Weight.Value[0] = 1f;
        Assert.False(stopper.Report(0.5));
        model.Weight.Value[0] = 2f;
        Assert.False(stopper.Report(0.7));
        model.Weight.Value[0] = 3f;
        Assert.False(stopper.Report(0.6));
        Assert.True(stopper.Report(0.7));
        stopper.RestoreBest();
        Assert.Equal(2f, model.Weight.Value[0]);
        Assert.Equal(1, stopper.BestIndex);
    }

    [Fact]
    public void WarmupCosineSchedule_Steps_RisesThenDecaysToMin()
    {
        var s = new WarmupCosineSchedule(1e-3, warmupSteps: 10, totalSteps: 110, minLearningRate: 1e-5);
        Assert.Equal(1e-4, s.LearningRateAt(0), 12);
        Assert.Equal(1e-3, s.LearningRateAt(9), 12);
        Assert.Equal(1e-3, s.LearningRateAt(10), 12);
        Assert.Equal(1e-5 + (0.5 * (1e-3 - 1e-5)), s.LearningRateAt(60), 12);
        Assert.Equal(1e-5, s.LearningRateAt(500), 12);
        var step = new WarmupStepSchedule(1e-3, warmupSteps: 0, stepSize: 10, gamma: 0.5);
        Assert.Equal(0.25e-3, step.LearningRateAt(25), 12);
    }

    [Fact]
    public void ClipByGlobalNorm_LargeGradient_ScaledToMaxNorm()
    {
        var p = new Parameter("w", [2]);
        p.Grad[0] = 3f;
        p.Grad[1] = 4f;
        double norm = GradientClipping.ClipByGlobalNorm([p], 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(0.6f, p.Grad[0], 5);
        Assert.Equal(0.8f, p.Grad[1], 5);
    }

    [Fact]
    public void UNet1d_Window_KeepsFrameCountAndBackpropagates()
    {
        Sequential unet = ModelFactory.UNet1d(4, 8, depth: 2, kernelSize: 5, classes: 4, seed: 1);
        (Tensor x, int[] y) = SyntheticData.Batch(2, 4, 256, 4, seed: 1);
        Tensor logits = unet.Forward(x, training: true);
        Assert.Equal([2, 4, 256], logits.Shape);
        var loss = new CrossEntropyLoss();
        loss.Compute(logits, y);
        Tensor dx = unet.Backward(loss.Gradient);
        Assert.Equal(x.Shape, dx.Shape);
        Assert.Contains(unet.Parameters, p => p.Grad.Any(g => g != 0));
    }

    [Fact]
    public void Conv1d_WrongChannelCount_ThrowsNamingTheMismatch()
    {
        var conv = new Conv1d(4, 8, 3, new Random(1), padding: 1);
        var ex = Assert.Throws<ArgumentException>(() => conv.Forward(new Tensor(1, 3, 16), training: true));
        Assert.Contains("4 input channels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossEntropy_TargetOutOfRange_Throws()
    {
        var loss = new CrossEntropyLoss();
        var ex = Assert.Throws<ArgumentException>(() => loss.Compute(new Tensor(1, 3, 2), [0, 3]));
        Assert.Contains("target 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossEntropy_AllIgnored_ZeroLossAndGradient()
    {
        var loss = new CrossEntropyLoss();
        Assert.Equal(0f, loss.Compute(new Tensor(1, 3, 2), [-1, -1]));
        Assert.All(loss.Gradient.Data, g => Assert.Equal(0f, g));
    }
}
