using System.Diagnostics;
using System.Text;
using HeartStream.Pipeline.Mqtt;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Mqtt;

/// <summary>TLS (server and client certificates made by openssl at test time) and username/password against mosquitto.</summary>
public sealed class MosquittoTlsAndAuthTests : IDisposable
{
    private readonly string _certs = Directory.CreateTempSubdirectory("heartstream-certs-").FullName;

    public void Dispose() => Directory.Delete(_certs, recursive: true);

    [Fact]
    public async Task ConnectAsync_MutualTls_RoundTripWorks()
    {
        await MakeCertsAsync();
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(TlsBroker());
        await using MqttConnection client = new(TlsOptions(broker, "ca.crt"));

        await client.ConnectAsync();
        MessageCollector inbox = new(client);
        await client.SubscribeAsync("tls/echo", 1);
        await client.PublishAsync("tls/echo", "secret"u8.ToArray(), 1, false);

        MqttMessageEventArgs message = (await inbox.WaitUntilAsync(m => m.Count >= 1, "the echo over TLS"))[0];
        Assert.Equal("secret", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Empty(broker.ErrorLines);
    }

    [Fact]
    public async Task ConnectAsync_TlsWithUntrustedCa_ThrowsMqttConnectionException()
    {
        await MakeCertsAsync();
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(TlsBroker());
        await using MqttConnection client = new(TlsOptions(broker, "other-ca.crt"));

        MqttConnectionException e = await Assert.ThrowsAsync<MqttConnectionException>(() => client.ConnectAsync());

        Assert.False(client.IsConnected);
        Assert.True(
            e.Message.Contains("TLS", StringComparison.Ordinal) || e.Message.Contains("certificate verify failed", StringComparison.Ordinal),
            e.Message);
    }

    [Fact]
    public async Task ConnectAsync_PasswordFile_RightPasswordConnectsWrongOneRefused()
    {
        string passwords = Path.Combine(_certs, "passwd");
        await RunAsync("/usr/bin/mosquitto_passwd", "-c", "-b", passwords, "device", "s3cret");
        MosquittoBrokerOptions options = new() { AllowAnonymous = false };
        options.ListenerConfig.Add("password_file " + passwords);
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(options);

        await using MqttConnection good = new(new MqttClientOptions { Port = broker.Port, Username = "device", Password = "s3cret" });
        await good.ConnectAsync();
        await using MqttConnection bad = new(new MqttClientOptions { Port = broker.Port, Username = "device", Password = "wr0ng-Pa55" });
        MqttConnectionException refused = await Assert.ThrowsAsync<MqttConnectionException>(() => bad.ConnectAsync());

        Assert.True(good.IsConnected);
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wr0ng-Pa55", refused.ToString(), StringComparison.Ordinal);
        Assert.True(refused.ErrorCode >= 0x80, $"expected an MQTT 5 reason code, got {refused.ErrorCode}");
    }

    private MosquittoBrokerOptions TlsBroker()
    {
        MosquittoBrokerOptions options = new();
        options.ListenerConfig.Add("cafile " + Path.Combine(_certs, "ca.crt"));
        options.ListenerConfig.Add("certfile " + Path.Combine(_certs, "server.crt"));
        options.ListenerConfig.Add("keyfile " + Path.Combine(_certs, "server.key"));
        options.ListenerConfig.Add("require_certificate true");
        return options;
    }

    private MqttClientOptions TlsOptions(MosquittoBroker broker, string caFile) => new()
    {
        Port = broker.Port,
        TlsCaFile = Path.Combine(_certs, caFile),
        TlsCertFile = Path.Combine(_certs, "client.crt"),
        TlsKeyFile = Path.Combine(_certs, "client.key"),
    };

    private Task MakeCertsAsync() =>
        RunAsync("/bin/bash", Path.Combine(RepoPaths.Root, "tests", "HeartStream.IntegrationTests", "Mqtt", "make-test-certs.sh"), _certs);

    private static async Task RunAsync(string file, params string[] arguments)
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
