using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Batching;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Inference.Batching;

public sealed class BatchedInferenceStageTests
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_ManyConcurrentDevices_FewerRunsThanWindowsAndEachResultAsAlone()
    {
        var model = new FakeWindowModel();
        using var stage = new BatchedInferenceStage(model, new BatchedInferenceOptions { MaxBatchWindows = 64, MaxWait = TimeSpan.FromMilliseconds(20) });
        Task worker = stage.RunAsync();
        const int devices = 40, windowsPerDevice = 5;

        async Task DeviceAsync(int device)
        {
            InferenceRequest request = stage.CreateRequest();
            var expected = new float[request.Output.Length];
            for (int w = 0; w < windowsPerDevice; w++)
            {
                for (int i = 0; i < request.Input.Length; i++)
                {
                    request.Input[i] = (device * 1000) + (w * 100) + i;
                }

                FakeWindowModel.Compute(request.Input, expected, 2, 4, 8, 0);
                await request.SubmitAsync();
                Assert.Equal(expected, request.Output);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, devices).Select(d => Task.Run(() => DeviceAsync(d)))).WaitAsync(s_hang);
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.Equal(devices * windowsPerDevice, model.BatchSizes.Sum());
        Assert.True(model.Runs < devices * windowsPerDevice, $"{model.Runs} runs for {devices * windowsPerDevice} windows");
        Assert.Equal(devices * windowsPerDevice, stage.Windows);
    }

    [Fact]
    public async Task RunAsync_WindowsQueuedBehindARun_GoInOneBatch()
    {
        using var gate = new SemaphoreSlim(0);
        var model = new FakeWindowModel { Gate = gate };
        using var stage = new BatchedInferenceStage(model, new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
        Task worker = stage.RunAsync();
        InferenceRequest[] requests = Enumerable.Range(0, 11).Select(_ => stage.CreateRequest()).ToArray();

        ValueTask first = requests[0].SubmitAsync();
        Assert.True(await model.Started.WaitAsync(s_hang));
        Task rest = Task.WhenAll(requests.Skip(1).Select(r => r.SubmitAsync().AsTask()));
        gate.Release(2);
        await first;
        await rest.WaitAsync(s_hang);
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.Equal([1, 10], model.BatchSizes);
    }

    [Fact]
    public async Task RunAsync_RealSegmenter_BatchedOutputEqualsWindowRunAlone()
    {
        RegisteredModel registered = new ModelRegistry(RepoPaths.Models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(registered);
        using var stage = new BatchedInferenceStage(segmenter.CreateBatchModel(owned: false), new BatchedInferenceOptions { MaxWait = TimeSpan.FromMilliseconds(50) });
        using OnnxWindowBatchModel alone = segmenter.CreateBatchModel(owned: false);
        Task worker = stage.RunAsync();
        var random = new Random(7);
        InferenceRequest[] requests = Enumerable.Range(0, 6).Select(_ => stage.CreateRequest()).ToArray();
        foreach (InferenceRequest r in requests)
        {
            for (int i = 0; i < r.Input.Length; i++)
            {
                r.Input[i] = (float)((random.NextDouble() * 4) - 2);
            }
        }

        await Task.WhenAll(requests.Select(r => r.SubmitAsync().AsTask())).WaitAsync(s_hang);
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.True(stage.Runs < requests.Length, $"{stage.Runs} runs for {requests.Length} windows");
        var expected = new float[requests[0].Output.Length];
        foreach (InferenceRequest r in requests)
        {
            alone.Run(r.Input, 1, expected);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], r.Output[i], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task RunAsync_ShorterLiveWindow_RunsThatLengthAndGivesPosteriorsPerFrame()
    {
        RegisteredModel registered = new ModelRegistry(RepoPaths.Models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash());
        using NeuralSegmenter segmenter = NeuralSegmenter.Load(registered);
        using var stage = new BatchedInferenceStage(segmenter.CreateBatchModel(owned: false, windowFrames: 100));
        Task worker = stage.RunAsync();
        InferenceRequest request = stage.CreateRequest();
        var random = new Random(3);
        for (int i = 0; i < request.Input.Length; i++)
        {
            request.Input[i] = (float)((random.NextDouble() * 4) - 2);
        }

        await request.SubmitAsync().AsTask().WaitAsync(s_hang);
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.Equal(100, stage.WindowFrames);
        Assert.Equal(4 * 100, request.Output.Length);
        Assert.True(stage.RunSeconds > 0, "no model run time was recorded");
        Assert.Equal(stage.RunSeconds, stage.LongestRunSeconds, 12); // one run: it is the longest
        for (int t = 0; t < 100; t++)
        {
            float sum = request.Output[t] + request.Output[100 + t] + request.Output[200 + t] + request.Output[300 + t];
            Assert.True(Math.Abs(sum - 1) < 1e-4, $"frame {t}: posteriors sum to {sum}");
        }
    }

    [Fact]
    public async Task Constructor_TwoStagesSameDepthLabel_BothServe()
    {
        // Two factories in one process (tests, a benchmark beside a service): the first reports the depth, neither fails.
        using var first = new BatchedInferenceStage(new FakeWindowModel(), new BatchedInferenceOptions { MaxWait = TimeSpan.Zero }, depthLabel: "inference-test-dup");
        using var second = new BatchedInferenceStage(new FakeWindowModel(), new BatchedInferenceOptions { MaxWait = TimeSpan.Zero }, depthLabel: "inference-test-dup");
        Task w1 = first.RunAsync();
        Task w2 = second.RunAsync();

        await second.CreateRequest().SubmitAsync().AsTask().WaitAsync(s_hang);
        await first.CreateRequest().SubmitAsync().AsTask().WaitAsync(s_hang);
        first.Complete();
        second.Complete();
        await Task.WhenAll(w1, w2).WaitAsync(s_hang);
    }

    [Fact]
    public async Task Complete_WindowsQueued_DrainsThemBeforeReturning()
    {
        using var gate = new SemaphoreSlim(0);
        var model = new FakeWindowModel { Gate = gate };
        using var stage = new BatchedInferenceStage(model, new BatchedInferenceOptions { MaxBatchWindows = 4, MaxWait = TimeSpan.Zero });
        Task worker = stage.RunAsync();
        InferenceRequest[] requests = Enumerable.Range(0, 10).Select(_ => stage.CreateRequest()).ToArray();
        ValueTask first = requests[0].SubmitAsync();
        Assert.True(await model.Started.WaitAsync(s_hang));
        Task[] rest = requests.Skip(1).Select(r => r.SubmitAsync().AsTask()).ToArray();

        stage.Complete();
        gate.Release(100);
        await first;
        await Task.WhenAll(rest).WaitAsync(s_hang);
        await worker.WaitAsync(s_hang);

        Assert.Equal(10, model.BatchSizes.Sum());
        Assert.Equal(4, model.BatchSizes.Count); // 1 + 4 + 4 + 1
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stage.CreateRequest().SubmitAsync());
    }

    [Fact]
    public async Task RunAsync_Cancelled_FaultsQueuedWindowsAndThrows()
    {
        using var gate = new SemaphoreSlim(0);
        var model = new FakeWindowModel { Gate = gate };
        using var stage = new BatchedInferenceStage(model, new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
        using var abort = new CancellationTokenSource();
        Task worker = stage.RunAsync(abort.Token);
        InferenceRequest running = stage.CreateRequest();
        ValueTask first = running.SubmitAsync();
        Assert.True(await model.Started.WaitAsync(s_hang));
        Task queued = stage.CreateRequest().SubmitAsync().AsTask();

        await abort.CancelAsync();
        gate.Release(100);

        await first; // the batch in flight finishes
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(s_hang));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.WaitAsync(s_hang));
        Assert.Equal(1, model.Runs);
    }

    [Fact]
    public async Task RunAsync_ModelFails_FaultsOnlyThatBatch()
    {
        var model = new FakeWindowModel();
        using var stage = new BatchedInferenceStage(model, new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
        Task worker = stage.RunAsync();
        InferenceRequest poisoned = stage.CreateRequest();
        poisoned.Input[0] = FakeWindowModel.Poison;

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await poisoned.SubmitAsync().AsTask().WaitAsync(s_hang));
        InferenceRequest healthy = stage.CreateRequest();
        healthy.Input[0] = 5;
        await healthy.SubmitAsync().AsTask().WaitAsync(s_hang);
        poisoned.Input[0] = 1;
        await poisoned.SubmitAsync().AsTask().WaitAsync(s_hang); // the request is usable again
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.Contains("fake+0", error.Message, StringComparison.Ordinal);
        Assert.Contains("poisoned window", error.Message, StringComparison.Ordinal);
        Assert.Equal(5f, healthy.Output[0]);
        Assert.Equal(3, model.Runs);
    }

    [Fact]
    public async Task Swap_WhileABatchRuns_NextBatchUsesNewModelAndOldIsDisposed()
    {
        using var gate = new SemaphoreSlim(0);
        var oldModel = new FakeWindowModel(bias: 0) { Gate = gate };
        var newModel = new FakeWindowModel(bias: 100);
        using var stage = new BatchedInferenceStage(oldModel, new BatchedInferenceOptions { MaxWait = TimeSpan.Zero });
        Task worker = stage.RunAsync();
        InferenceRequest a = stage.CreateRequest();
        ValueTask first = a.SubmitAsync();
        Assert.True(await oldModel.Started.WaitAsync(s_hang));
        InferenceRequest[] queued = Enumerable.Range(0, 5).Select(_ => stage.CreateRequest()).ToArray();
        Task rest = Task.WhenAll(queued.Select(r => r.SubmitAsync().AsTask()));

        stage.Swap(newModel);
        Assert.False(oldModel.Disposed);
        gate.Release(100);
        await first;
        await rest.WaitAsync(s_hang);
        stage.Complete();
        await worker.WaitAsync(s_hang);

        Assert.Equal(0f, a.Output[0]);
        Assert.All(queued, r => Assert.Equal(100f, r.Output[0]));
        Assert.True(oldModel.Disposed);
        Assert.Equal(1, oldModel.Runs);
        Assert.Equal(5, newModel.BatchSizes.Sum());
        Assert.Equal("fake+100", stage.ModelName);
    }

    [Fact]
    public void Swap_DifferentWindowShape_ThrowsNamingBoth()
    {
        using var stage = new BatchedInferenceStage(new FakeWindowModel(window: 8));

        ArgumentException e = Assert.Throws<ArgumentException>(() => stage.Swap(new FakeWindowModel(window: 16)));

        Assert.Contains("16", e.Message, StringComparison.Ordinal);
        Assert.Contains("8", e.Message, StringComparison.Ordinal);
    }
}
