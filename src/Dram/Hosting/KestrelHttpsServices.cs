using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dram.Hosting;

/// <summary>
/// Kestrel's HTTPS middleware resolves services (its metrics) from the server's ApplicationServices
/// that only Kestrel's web-host registration, <c>UseKestrelCore()</c>, adds. Dram runs Kestrel
/// without a web host, so this replays that registration onto a plain service collection.
/// </summary>
internal static class KestrelHttpsServices
{
    public static void AddTo(IServiceCollection services)
    {
        services.AddMetrics();
        new ServiceCollectionWebHostBuilder(services).UseKestrelCore();
    }
}
