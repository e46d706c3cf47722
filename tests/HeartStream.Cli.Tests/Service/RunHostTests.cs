using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Service;
using HeartStream.TestSupport;
using Microsoft.Extensions.Configuration;
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

            Assert.Equal(777, options.EventQueueCapacity);  // environment over the code default (4096)
            Assert.Equal(60, options.CaptureQueueChunks);   // command line over environment (50)
            Assert.Equal(100, options.ChunkMilliseconds);   // code default, not repeated in appsettings.json
            Assert.Equal("Warning", host.Services.GetRequiredService<IConfiguration>()["Logging:LogLevel:Microsoft"]); // appsettings.json
        }
        finally
        {
            Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__EventQueueCapacity", null);
            Environment.SetEnvironmentVariable("HEARTSTREAM_Pipeline__CaptureQueueChunks", null);
        }
    }

    [Fact]
    public void AppSettingsJson_RepeatsNoCodeDefault()
    {
        // A settings file that repeats a default silently undoes the next change of that default (it once held
        // CaptureQueueChunks 32 against a measured 64). Every value it sets must differ from the options class.
        string path = Path.Combine(RepoPaths.Root, "src", "HeartStream", "appsettings.json");
        IConfigurationRoot file = new ConfigurationBuilder().AddJsonFile(path).Build();
        var defaults = new Dictionary<string, object>
        {
            ["Http"] = new HeartStream.Hosting.HttpOptions(),
            ["Pipeline"] = new LivePipelineOptions(),
            ["Classification"] = new LiveClassificationOptions(),
            ["Sources"] = new SourcesOptions(),
            ["Mqtt"] = new HeartStream.Pipeline.Mqtt.MqttClientOptions(),
            ["Alerts"] = new HeartStream.Pipeline.Alerts.AlertOptions(),
        };
        var repeated = new List<string>();
        foreach ((string section, object options) in defaults)
        {
            foreach (IConfigurationSection key in file.GetSection(section).GetChildren())
            {
                System.Reflection.PropertyInfo? property = options.GetType().GetProperty(key.Key);
                Assert.True(property is not null, $"appsettings.json sets {section}:{key.Key}, which {options.GetType().Name} does not have");
                string? code = Convert.ToString(property.GetValue(options), System.Globalization.CultureInfo.InvariantCulture);
                bool sameNumber = double.TryParse(code, System.Globalization.CultureInfo.InvariantCulture, out double a)
                    && double.TryParse(key.Value, System.Globalization.CultureInfo.InvariantCulture, out double b) && a == b;
                if (sameNumber || string.Equals(code, key.Value, StringComparison.OrdinalIgnoreCase))
                {
                    repeated.Add($"{section}:{key.Key} = {key.Value}");
                }
            }
        }

        Assert.True(file.GetChildren().All(c => c.Key == "Logging" || defaults.ContainsKey(c.Key)), "appsettings.json has a section no options class binds");
        Assert.True(repeated.Count == 0, "appsettings.json repeats code defaults: " + string.Join(", ", repeated));
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
