using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HeartStream.Hosting;

/// <summary>Registers <see cref="HttpOptions"/> bound to the "Http" section and validated at start-up.</summary>
public static class HttpServiceCollectionExtensions
{
    public static IServiceCollection AddHeartStreamHttpOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();
        return services;
    }
}
