using HeartStream.Pipeline.Live;
using HeartStream.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HeartStream.Cli.Tests.Service;

/// <summary>Start-up validation of the MQTT side of `heartstream run` (no broker needed).</summary>
public sealed class RunHostMqttTests
{
    [Fact]
    public void SourcesOptions_NoFilesWithMqttIngest_IsValid()
    {
        Assert.NotEmpty(new SourcesOptions().Validate());
        Assert.Empty(new SourcesOptions { MqttIngest = true }.Validate());
    }

    [Fact]
    public void MqttRunSettings_HostOnlyInSection_EnablesAndDefaultsInstance()
    {
        MqttRunSettings off = MqttRunSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Port"] = "1884" }).Build());
        MqttRunSettings on = MqttRunSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Host"] = "broker", ["Mqtt:Port"] = "1884", ["Mqtt:RequireTls"] = "false" }).Build());
        MqttRunSettings clearText = MqttRunSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Host"] = "broker" }).Build());

        Assert.False(off.Enabled);
        Assert.True(on.Enabled);
        Assert.Equal(1884, on.Options.Port);
        Assert.StartsWith("heartstream-", on.Instance, StringComparison.Ordinal);
        Assert.Empty(on.Validate());

        // A broker off loopback without TLS is refused unless Mqtt:RequireTls=false says so.
        Assert.Contains(clearText.Validate(), e => e.Contains("TLS is required", StringComparison.Ordinal));
    }

    [Fact]
    public void MqttRunSettings_BadPortAndClientId_ListsEachProblem()
    {
        MqttRunSettings settings = MqttRunSettings.From(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["Mqtt:Host"] = "broker", ["Mqtt:Port"] = "0", ["Mqtt:ClientId"] = "a/b" }).Build());

        IReadOnlyList<string> errors = settings.Validate();

        Assert.Contains(errors, e => e.Contains("Port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ClientId 'a/b'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_UnknownAlertProfile_FailsValidationNamingTheSetting()
    {
        using IHost host = RunHost.Build(
            new Dictionary<string, string?> { ["Http:Port"] = "0", ["Mqtt:Host"] = "127.0.0.1", ["Alerts:DefaultProfile"] = "nope" },
            _ => new NoAnalyzers());

        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Alerts:DefaultProfile", e.Message, StringComparison.Ordinal);
    }

    private sealed class NoAnalyzers : IDeviceAnalyzerFactory
    {
        public IDeviceAnalyzer Create(string deviceId, int sampleRate) => throw new InvalidOperationException("validation fails before any device starts");
    }
}
