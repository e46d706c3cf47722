using System.Net;
using HeartStream.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HeartStream.Cli.Tests.Hosting;

public sealed class HttpOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValidLoopback9464()
    {
        var options = new HttpOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9464), options.ToEndPoint());
    }

    [Theory]
    [InlineData("https://127.0.0.1:9464", "absolute http://")]
    [InlineData("http://localhost:9464", "IP address")]
    [InlineData("http://127.0.0.1:9464/metrics", "path")]
    [InlineData("not a url", "absolute http://")]
    public void Validate_BadUrl_NamesTheProblem(string url, string expected)
    {
        IReadOnlyList<string> errors = new HttpOptions { Url = url }.Validate();

        Assert.Contains(errors, e => e.Contains("Http:Url", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ToEndPoint_UrlSet_WinsOverBindAddressAndPort()
    {
        var options = new HttpOptions { Url = "http://[::1]:8123", BindAddress = "0.0.0.0", Port = 1 };

        Assert.Empty(options.Validate());
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8123), options.ToEndPoint());
    }

    [Fact]
    public void AddHeartStreamHttpOptions_InvalidConfiguration_FailsWhenResolved()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Http:Port"] = "-5", ["Http:BindAddress"] = "127.0.0.2" })
            .Build();
        using ServiceProvider provider = new ServiceCollection().AddHeartStreamHttpOptions(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HttpOptions>>().Value);

        Assert.Contains("-5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHeartStreamHttpOptions_ValidConfiguration_BindsSection()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Http:Port"] = "9999", ["Http:BindAddress"] = "0.0.0.0" })
            .Build();
        using ServiceProvider provider = new ServiceCollection().AddHeartStreamHttpOptions(configuration).BuildServiceProvider();

        HttpOptions options = provider.GetRequiredService<IOptions<HttpOptions>>().Value;

        Assert.Equal(new IPEndPoint(IPAddress.Any, 9999), options.ToEndPoint());
    }
}
