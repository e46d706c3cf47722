using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HeartStream.Hosting;

/// <summary>Starting a built Kestrel app and learning the address it bound (port 0: the one the OS chose).</summary>
internal static class KestrelStart
{
    /// <summary>Starts <paramref name="app"/> (disposed if the start fails) and returns its bound address, ending in '/'.</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started but reported no bound address.");
        return new Uri(bound.EndsWith('/') ? bound : bound + "/");
    }
}
