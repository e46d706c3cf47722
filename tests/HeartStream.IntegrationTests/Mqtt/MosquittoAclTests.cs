using System.Diagnostics;
using System.Text;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Mqtt;

/// <summary>
/// The shipped broker ACL (deploy/mosquitto/heartstream.acl) on a real mosquitto with a password file: a gateway
/// publishes only its own devices' audio, only consoles acknowledge alerts, only the service publishes outputs.
/// </summary>
public sealed class MosquittoAclTests : IAsyncLifetime
{
    private const string Password = "Ward3-test-only";
    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-acl-").FullName;
    private MosquittoBroker? _broker;

    public async Task InitializeAsync()
    {
        string passwords = Path.Combine(_dir, "passwd");
        bool first = true;
        foreach (string user in new[] { "heartstream", "gateway-ward3", "console-ward3" })
        {
            await RunAsync("/usr/bin/mosquitto_passwd", first ? ["-c", "-b", passwords, user, Password] : ["-b", passwords, user, Password]);
            first = false;
        }

        MosquittoBrokerOptions options = new() { AllowAnonymous = false };
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
    public async Task Acl_GatewayOwnAudioOnly_ConsoleAcksOnly_ServiceAloneOutputs()
    {
        await using MqttConnection service = await ConnectAsync("heartstream");
        await using MqttConnection gateway = await ConnectAsync("gateway-ward3");
        await using MqttConnection console = await ConnectAsync("console-ward3");
        var serviceInbox = new MessageCollector(service);
        var consoleInbox = new MessageCollector(console);
        await service.SubscribeAsync(MqttTopics.AudioSubscription, 1);
        await service.SubscribeAsync(MqttTopics.AlertAckSubscription, 1);
        await console.SubscribeAsync("heartstream/v1/devices/+/alerts", 1);

        // Allowed: the gateway's own device, the console's acknowledgement, the service's alert.
        await gateway.PublishAsync(MqttTopics.Audio("bed-1"), "own"u8.ToArray(), 1, false);
        await console.PublishAsync(MqttTopics.AlertAck("bed-1"), "ack"u8.ToArray(), 1, false);
        await service.PublishAsync(MqttTopics.Alerts("bed-1"), "alert"u8.ToArray(), 1, false);

        // Refused by the broker (MQTT 5: PUBACK "not authorized", which the connection raises).
        (string Who, Func<Task> Publish)[] refused =
        [
            ("gateway: another gateway's device", () => gateway.PublishAsync(MqttTopics.Audio("bed-9"), "foreign"u8.ToArray(), 1, false)),
            ("gateway: an acknowledgement", () => gateway.PublishAsync(MqttTopics.AlertAck("bed-1"), "gw-ack"u8.ToArray(), 1, false)),
            ("gateway: a fake alert", () => gateway.PublishAsync(MqttTopics.Alerts("bed-1"), "gw-alert"u8.ToArray(), 1, false)),
            ("console: audio", () => console.PublishAsync(MqttTopics.Audio("bed-1"), "console-audio"u8.ToArray(), 1, false)),
            ("console: a fake alert", () => console.PublishAsync(MqttTopics.Alerts("bed-2"), "console-alert"u8.ToArray(), 1, false)),
        ];
        foreach ((string who, Func<Task> publish) in refused)
        {
            MqttConnectionException e = await Assert.ThrowsAsync<MqttConnectionException>(publish);
            Assert.True(e.ErrorCode == 0x87, $"{who}: expected reason 0x87 (not authorized), got {e.ErrorCode}: {e.Message}");
        }

        // A second allowed message from each publisher after the refused ones, then a moment for stragglers.
        await gateway.PublishAsync(MqttTopics.Audio("bed-2"), "own-2"u8.ToArray(), 1, false);
        await console.PublishAsync(MqttTopics.AlertAck("bed-2"), "ack-2"u8.ToArray(), 1, false);
        await serviceInbox.WaitUntilAsync(m => m.Count >= 4, "the four allowed messages at the service");
        await consoleInbox.WaitUntilAsync(m => m.Count >= 1, "the service's alert at the console");
        await Task.Delay(500);

        string[] expected =
        [
            "heartstream/v1/devices/bed-1/alerts/ack ack",
            "heartstream/v1/devices/bed-1/audio own",
            "heartstream/v1/devices/bed-2/alerts/ack ack-2",
            "heartstream/v1/devices/bed-2/audio own-2",
        ];
        Assert.Equal(expected, serviceInbox.Messages.Select(m => $"{m.Topic} {Encoding.UTF8.GetString(m.Payload.Span)}").Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["alert"], consoleInbox.Messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)).ToArray());
    }

    [Fact]
    public async Task Acl_GatewayReadsNoOutputsNoAcksNoOtherAudio()
    {
        // mosquitto grants the subscription (its filter may match allowed topics) and checks every delivery instead.
        await using MqttConnection service = await ConnectAsync("heartstream");
        await using MqttConnection gateway = await ConnectAsync("gateway-ward3");
        await using MqttConnection console = await ConnectAsync("console-ward3");
        var gatewayInbox = new MessageCollector(gateway);
        var consoleInbox = new MessageCollector(console);
        await gateway.SubscribeAsync("heartstream/v1/#", 1);
        await console.SubscribeAsync("heartstream/v1/devices/+/alerts", 1);

        await service.PublishAsync(MqttTopics.Alerts("bed-1"), "alert"u8.ToArray(), 1, false);
        await service.PublishAsync(MqttTopics.Vitals("bed-1"), "vitals"u8.ToArray(), 1, false);
        await console.PublishAsync(MqttTopics.AlertAck("bed-1"), "ack"u8.ToArray(), 1, false);
        await gateway.PublishAsync(MqttTopics.Audio("bed-1"), "own"u8.ToArray(), 1, false);
        await consoleInbox.WaitUntilAsync(m => m.Count >= 1, "the alert at the console (the broker delivered it)");
        await Task.Delay(500);

        Assert.Empty(gatewayInbox.Messages);
    }

    private async Task<MqttConnection> ConnectAsync(string user)
    {
        var connection = new MqttConnection(new MqttClientOptions { Host = _broker!.Host, Port = _broker.Port, ClientId = user + "-" + Guid.NewGuid().ToString("N")[..6], Username = user, Password = Password });
        await connection.ConnectAsync();
        return connection;
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
