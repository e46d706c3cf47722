using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Service;
using HeartStream.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HeartStream.Cli.Tests.Service;

public sealed class RunHostTests
{
    [Fact]
    public void Build_AppSettingsEnvironmentCommandLine_LaterWins()
    {
        Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__EventQueueCapacity", "777");
        Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__CaptureQueueChunks", "50");
        try
        {
            using IHost host = RunHost.Build(new Dictionary<string, string?> { ["Pipeline:CaptureQueueChunks"] = "60" }, _ => new NoAnalyzers());
            LivePipelineOptions options = host.Services.GetRequiredService<IOptions<LivePipelineOptions>>().Value;

            Assert.Equal(777, options.EventQueueCapacity);  // environment over appsettings.json (4096)
            Assert.Equal(60, options.CaptureQueueChunks);   // command line over environment (50)
            Assert.Equal(100, options.ChunkMilliseconds);   // appsettings.json
        }
        finally
        {
            Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__EventQueueCapacity", null);
            Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__CaptureQueueChunks", null);
        }
    }

    [Fact]
    public async Task StartAsync_NoSource_FailsValidationNamingTheSetting()
    {
        using IHost host = RunHost.Build(new Dictionary<string, string?> { ["Http:Port"] = "0" }, _ => new NoAnalyzers());

        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("No audio source", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadPipelineOption_FailsValidation()
    {
        string sample = Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");
        using IHost host = RunHost.Build(
            new Dictionary<string, string?> { ["Http:Port"] = "0", ["Sources:Files:0"] = sample, ["Pipeline:CaptureQueueChunks"] = "1" },
            _ => new NoAnalyzers());

        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pipeline:CaptureQueueChunks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SourcesOptions_MissingFileAndBadRate_ListsEachProblem()
    {
        var options = new SourcesOptions { Stdin = true, StdinRate = 0 };
        options.Files.Add("/nonexistent/x.wav");

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("/nonexistent/x.wav", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("StdinRate", StringComparison.Ordinal));
    }

    private sealed class NoAnalyzers : IDeviceAnalyzerFactory
    {
        public IDeviceAnalyzer Create(string deviceId, int sampleRate) => new Silent();

        private sealed class Silent : IDeviceAnalyzer
        {
            public double FinalizedSeconds => 0;

            public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized)
            {
            }

            public void Flush(List<HeartSound> finalized)
            {
            }
        }
    }
}
