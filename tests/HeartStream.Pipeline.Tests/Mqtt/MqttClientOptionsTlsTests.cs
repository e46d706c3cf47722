using HeartStream.Pipeline.Mqtt;

namespace HeartStream.Pipeline.Tests.Mqtt;

/// <summary>Mqtt:RequireTls: TLS is required off loopback unless the operator turns it off.</summary>
public sealed class MqttClientOptionsTlsTests : IDisposable
{
    private readonly string _ca = Path.GetTempFileName();

    public void Dispose() => File.Delete(_ca);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.20.0.9")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public void Validate_LoopbackWithoutTls_Accepted(string host)
    {
        var options = new MqttClientOptions { Host = host };
        Assert.False(options.TlsRequired);
        options.Validate();
    }

    [Theory]
    [InlineData("10.0.4.12")]
    [InlineData("broker.ward3.hospital.local")]
    [InlineData("::ffff:10.0.0.1")]
    public void Validate_RemoteWithoutTls_RefusedNamingTheSettings(string host)
    {
        var options = new MqttClientOptions { Host = host };
        Assert.True(options.TlsRequired);
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("not on loopback", e.Message, StringComparison.Ordinal);
        Assert.Contains("Mqtt:TlsCaFile", e.Message, StringComparison.Ordinal);
        Assert.Contains("Mqtt:RequireTls=false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RemoteWithCaFile_Accepted()
    {
        new MqttClientOptions { Host = "10.0.4.12", TlsCaFile = _ca }.Validate();
    }

    [Fact]
    public void Validate_RemoteWithTlsTurnedOff_Accepted()
    {
        var options = new MqttClientOptions { Host = "10.0.4.12", RequireTls = false };
        Assert.False(options.TlsRequired);
        options.Validate();
    }

    [Fact]
    public void Validate_RequiredOnLoopbackWithoutCa_Refused()
    {
        var e = Assert.Throws<ArgumentException>(new MqttClientOptions { RequireTls = true }.Validate);
        Assert.Contains("Mqtt:RequireTls is true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RemoteWithoutTls_PasswordNeverInTheMessage()
    {
        var options = new MqttClientOptions { Host = "10.0.4.12", Username = "heartstream", Password = "Tr1cky-Secr3t" };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.DoesNotContain("Tr1cky-Secr3t", e.ToString(), StringComparison.Ordinal);
    }
}
