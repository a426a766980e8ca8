using System.Net;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// mysite as deployed: Dram on a unix socket (and, to test who is trusted, 127.0.0.1:PORT
/// too), nginx in front with examples/nginx/mysite.conf terminating TLS and serving STATIC_ROOT.
/// Dram maps no static files here.
/// </summary>
public sealed class MysiteBehindNginx : ServedMysite
{
    private readonly string _socketDirectory = Directory.CreateTempSubdirectory("dram-sock-").FullName;
    private NginxServer? _nginx;

    public NginxServer Nginx => _nginx ?? throw new InvalidOperationException("nginx is not started");

    public string DramSocket => Path.Combine(_socketDirectory, "dram.sock");

    protected override HostTool[] Tools => [HostTool.Django, HostTool.Nginx];

    protected override IEnumerable<string> DramArgs(DjangoSite site) =>
        ["--bind", $"127.0.0.1:{FreePort.Next()}", "--bind", "unix:" + DramSocket, "--threads", "2"];

    protected override async Task StartFrontAsync() => _nginx = await NginxServer.StartAsync(DramSocket, Site.StaticRoot);

    /// <summary>
    /// A client of nginx's HTTPS port connecting from <paramref name="source"/> (a loopback address
    /// other than 127.0.0.1 stands for a browser elsewhere).
    /// </summary>
    public DjangoClient NewBrowser(IPAddress source)
    {
        var origin = new Uri($"https://127.0.0.1:{Nginx.HttpsPort}/");
        return new DjangoClient(HttpTransport.FromAddress(source, Nginx.Certificate), origin, origin);
    }

    protected override async ValueTask StopFrontAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }
        try
        {
            Directory.Delete(_socketDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
