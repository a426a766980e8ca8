using Dram.Configuration;
using Dram.Hosting;
using Dram.Processes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

// Dram's types are Linux-only (see src/Dram/Platform.cs); so is this program.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The bench's "no Python" row: Dram's own Kestrel set-up (same options, same socket settings)
// answering the hello response from C#. It is the ceiling Dram's hello can approach on a machine.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS",
    Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "1");
string[] arguments = [.. args, "unused:application"];
var config = ServerConfig.From(SettingsResolver.Resolve(CommandLine.Parse(arguments), arguments, Environment.GetEnvironmentVariable).Settings);
using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
// Bound as Dram's master binds, then served as a Dram worker serves the passed descriptors.
using var sockets = new ListeningSockets(config.Binds, config.Backlog, config.Umask);
await using var host = new KestrelHost(config, sockets.Descriptors, loggerFactory);
await host.StartAsync(new HelloApplication());
Console.Error.WriteLine($"Listening at: {sockets.Displays[0]}");
var stop = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await host.StopAsync(TimeSpan.FromSeconds(5));

internal sealed class HelloApplication : IHttpApplication<IFeatureCollection>
{
    private static readonly byte[] Body = "Hello, World!"u8.ToArray();

    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public Task ProcessRequestAsync(IFeatureCollection context)
    {
        var response = context.GetRequiredFeature<IHttpResponseFeature>();
        response.StatusCode = 200;
        response.Headers.ContentType = "text/plain";
        response.Headers.ContentLength = Body.Length;
        return context.GetRequiredFeature<IHttpResponseBodyFeature>().Writer.WriteAsync(Body).AsTask();
    }

    public void DisposeContext(IFeatureCollection context, Exception? exception)
    {
    }
}
