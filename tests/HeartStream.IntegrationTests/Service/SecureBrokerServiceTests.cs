using System.Diagnostics;
using HeartStream.IntegrationTests.Mqtt;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Service;

/// <summary>
/// The service on a broker set up as docs/SECURITY.md says: a real mosquitto with a TLS-only listener (a CA made by
/// the test), passwords and the shipped ACL. The service connects over TLS with Mqtt:RequireTls, ingests the audio a
/// gateway may send and publishes beats a console reads; a device the gateway may not send never reaches the service.
/// </summary>
public sealed class SecureBrokerServiceTests : IAsyncLifetime
{
    private const string Password = "Ward3-test-only";
    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-secure-").FullName;
    private MosquittoBroker? _broker;

    private string Ca => Path.Combine(_dir, "ca.crt");

    public async Task InitializeAsync()
    {
        await RunAsync("/bin/bash", [Path.Combine(RepoPaths.Root, "tests", "HeartStream.IntegrationTests", "Mqtt", "make-test-certs.sh"), _dir]);
        string passwords = Path.Combine(_dir, "passwd");
        await RunAsync("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "heartstream", Password]);
        await RunAsync("/usr/bin/mosquitto_passwd", ["-b", passwords, "gateway-ward3", Password]);
        await RunAsync("/usr/bin/mosquitto_passwd", ["-b", passwords, "console-ward3", Password]);
        MosquittoBrokerOptions options = new() { AllowAnonymous = false };
        options.ListenerConfig.Add("cafile " + Ca);
        options.ListenerConfig.Add("certfile " + Path.Combine(_dir, "server.crt"));
        options.ListenerConfig.Add("keyfile " + Path.Combine(_dir, "server.key"));
        options.ListenerConfig.Add("password_file " + passwords);
        options.ListenerConfig.Add("acl_file " + Path.Combine(RepoPaths.Root, "deploy", "mosquitto", "heartstream.acl"));
        _broker = await MosquittoBroker.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Service_TlsPasswordsAndAcl_AllowedDeviceAnalysedForeignDeviceNeverSeen()
    {
        MqttClientOptions Options(string user, string id) => new()
        {
            Host = _broker!.Host, Port = _broker.Port, ClientId = id, Username = user, Password = Password, TlsCaFile = Ca, RequireTls = true,
        };

        // The listener speaks TLS only: a clear-text client does not get in.
        await using (var clear = new MqttConnection(new MqttClientOptions { Host = _broker!.Host, Port = _broker.Port, Username = "console-ward3", Password = Password, ConnectTimeout = TimeSpan.FromSeconds(5) }))
        {
            await Assert.ThrowsAsync<MqttConnectionException>(() => clear.ConnectAsync());
        }

        await using MqttPipelineService service = await MqttPipelineService.StartAsync(
            Options("heartstream", "it-secure"), "it-secure", ServiceHarness.Adult100(), new LivePipelineOptions(), ServiceHarness.Analyzers(), ingest: true);
        await using var console = new MqttConnection(Options("console-ward3", "it-secure-console"));
        await console.ConnectAsync();
        var inbox = new MessageCollector(console);
        await console.SubscribeAsync("heartstream/v1/devices/+/beats", 0);
        await console.SubscribeAsync("heartstream/v1/devices/+/status", 1);

        await using var gateway = new MqttConnection(Options("gateway-ward3", "it-secure-gateway"));
        await gateway.ConnectAsync();
        var simulator = new GatewaySimulator(gateway, [ServiceHarness.Device("bed-1", ServiceHarness.FastRecording), ServiceHarness.Device("bed-9", ServiceHarness.NormalRecording)], speed: 2, loop: false);
        using var stop = new CancellationTokenSource();
        Task streaming = simulator.RunAsync(stop.Token);

        await inbox.WaitUntilAsync(m => m.Count(x => x.Topic == MqttTopics.Beats("bed-1")) >= 3, "beats of bed-1 at the console");
        await Task.Delay(1000);
        await stop.CancelAsync();
        await streaming;

        // Over TLS too, the gateway may not acknowledge (silence) an alert nor publish one: the broker refuses both.
        foreach (string topic in new[] { MqttTopics.AlertAck("bed-1"), MqttTopics.Alerts("bed-1") })
        {
            MqttConnectionException refused = await Assert.ThrowsAsync<MqttConnectionException>(() => gateway.PublishAsync(topic, "{}"u8.ToArray(), 1, false));
            Assert.Equal(0x87, refused.ErrorCode);
        }

        Assert.Equal(0, service.Sink.AcksReceived);
        Assert.True(service.Client.IsConnected);
        Assert.Contains(inbox.Messages, m => m.Topic == MqttTopics.Status("bed-1"));
        Assert.DoesNotContain(inbox.Messages, m => m.Topic.Contains("/bed-9/", StringComparison.Ordinal));
        Assert.True(simulator.FramesPublished > 0);
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        ProcessStartInfo start = new(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {stderr}");
    }
}
