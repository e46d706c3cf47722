using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace HeartStream.Hosting;

/// <summary>
/// The in-process MQTT broker of <c>heartstream demo</c> (MQTTnet.Server): bound to 127.0.0.1 on a free port,
/// persistent sessions kept in memory for the life of the process, no install needed. Chosen over a private
/// mosquitto so the main job runs on a machine with only the .NET runtime; docs/mqtt.md says why. A real deployment
/// points <c>Mqtt:Host</c> at the hospital's broker cluster instead.
/// </summary>
internal sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public static async Task<EmbeddedBroker> StartAsync()
    {
        int port = FreePort();
        MqttServerOptions options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .Build();
        MqttServer server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync().ConfigureAwait(false);
        return new EmbeddedBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
