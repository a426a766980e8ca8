using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dram.Hosting;

/// <summary>
/// Lets Kestrel's web-host registrations run against a plain service collection. Dram builds its
/// Kestrel server directly rather than through a web host, but some of what it needs is only
/// reachable through them: UseKestrelCore adds the services the HTTPS middleware resolves
/// (KestrelHttpsServices), and only ever calls ConfigureServices.
/// </summary>
internal sealed class ServiceCollectionWebHostBuilder(IServiceCollection services) : IWebHostBuilder
{
    public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
    {
        configureServices(services);
        return this;
    }

    public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices) =>
        throw new NotSupportedException("registrations that need a web host context");

    public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) =>
        throw new NotSupportedException("app configuration");

    // The interface still names the obsolete IWebHost; nothing is built here.
#pragma warning disable ASPDEPR008
    public IWebHost Build() => throw new NotSupportedException("building a web host");
#pragma warning restore ASPDEPR008

    public string? GetSetting(string key) => null;

    public IWebHostBuilder UseSetting(string key, string? value) => this;
}
