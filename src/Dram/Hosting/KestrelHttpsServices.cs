using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dram.Hosting;

/// <summary>
/// Kestrel's HTTPS middleware resolves services (its metrics) from the server's ApplicationServices
/// that only Kestrel's web-host registration, <c>UseKestrelCore()</c>, adds. Dram runs Kestrel
/// without a web host, so this replays that registration onto a plain service collection.
/// </summary>
internal sealed class KestrelHttpsServices(IServiceCollection services) : IWebHostBuilder
{
    public static void AddTo(IServiceCollection services)
    {
        services.AddMetrics();
        new KestrelHttpsServices(services).UseKestrelCore();
    }

    public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
    {
        configureServices(services);
        return this;
    }

    public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices) =>
        throw new NotSupportedException("Kestrel's registration asked for a web host context, which Dram does not have");

    public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) =>
        throw new NotSupportedException("Dram runs Kestrel without a web host configuration");

    // The interface still returns the obsolete IWebHost; nothing is ever built here.
#pragma warning disable ASPDEPR008
    public IWebHost Build() => throw new NotSupportedException("Dram runs Kestrel without a web host");
#pragma warning restore ASPDEPR008

    public string? GetSetting(string key) => null;

    public IWebHostBuilder UseSetting(string key, string? value) => this;
}
