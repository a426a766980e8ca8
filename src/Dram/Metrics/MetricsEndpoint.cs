using System.Text;
using Dram.Configuration;
using Dram.Hosting;
using Dram.Wsgi;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>
/// The master's <c>/metrics</c> page for Prometheus (<c>--metrics-bind</c>). Served by Kestrel from
/// the master, apart from the app's sockets: a scrape still answers while every worker is busy,
/// restarting or stuck, which is when the numbers matter most.
/// </summary>
internal sealed class MetricsEndpoint(Func<string> render) : IHttpApplication<IFeatureCollection>
{
    public const string Path = "/metrics";

    private KestrelHost? _host;

    /// <summary>Serves the already listening sockets <paramref name="descriptors"/>.</summary>
    public Task StartAsync(ServerConfig config, IReadOnlyList<int> descriptors, ILoggerFactory loggerFactory)
    {
        _host = new KestrelHost(config, descriptors, loggerFactory);
        return _host.StartAsync(this);
    }

    public async ValueTask StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(1));
            await _host.DisposeAsync();
        }
    }

    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public async Task ProcessRequestAsync(IFeatureCollection features)
    {
        var request = FeatureLookup.Required<IHttpRequestFeature>(features);
        var response = FeatureLookup.Required<IHttpResponseFeature>(features);
        var body = FeatureLookup.Required<IHttpResponseBodyFeature>(features);
        var isHead = HttpMethods.IsHead(request.Method);
        string text;
        if (request.Path != Path)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.Headers.ContentType = "text/plain; charset=utf-8";
            text = $"Not Found: the metrics are at {Path}\n";
        }
        else if (!isHead && !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            response.Headers.ContentType = "text/plain; charset=utf-8";
            text = "Method Not Allowed: use GET\n";
        }
        else
        {
            response.Headers.ContentType = PrometheusText.ContentType;
            response.Headers.CacheControl = "no-store";
            text = render();
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        response.Headers.ContentLength = bytes.Length;
        if (!isHead)
        {
            await body.Writer.WriteAsync(bytes);
        }
    }

    public void DisposeContext(IFeatureCollection context, Exception? exception)
    {
    }
}
