using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// mysite behind real nginx configured by examples/nginx/mysite.conf, Dram on a unix socket:
/// pages and uploads over HTTPS, static files from nginx, and REMOTE_ADDR / wsgi.url_scheme taken
/// from X-Forwarded-* only when the peer is trusted (the unix socket is; a TCP peer outside
/// --forwarded-allow-ips is not).
/// </summary>
public sealed class DjangoBehindNginxTests(MysiteBehindNginx served) : IClassFixture<MysiteBehindNginx>
{
    /// <summary>Where the "browser" connects from: any loopback address other than nginx's own.</summary>
    private static readonly IPAddress Browser = IPAddress.Parse("127.0.0.7");

    private DjangoClient NewBrowser()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        return served.NewBrowser(Browser);
    }

    [SkippableFact]
    public async Task PagesAreProxiedOverHttps()
    {
        using var browser = NewBrowser();
        using var response = await browser.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}\n{page}\n{served.Nginx.Log}");
        Assert.Contains("<title>Notes · mysite</title>", page);
        Assert.StartsWith("nginx", response.Headers.Server.ToString());
        Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
    }

    [SkippableFact]
    public async Task PlainHttpIsRedirectedToHttps()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        using var response = await http.GetAsync($"http://127.0.0.1:{served.Nginx.HttpPort}/notes/new/?x=1");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("https://127.0.0.1/notes/new/?x=1", response.Headers.Location?.OriginalString);
    }

    [SkippableFact]
    public async Task StaticFilesAreServedByNginxFromStaticRoot()
    {
        using var browser = NewBrowser();
        var name = Hashed("notes/site.css");
        var path = Path.Combine(served.Site.StaticRoot, name);
        await using (var gz = new GZipStream(File.Create(path + ".gz"), CompressionLevel.SmallestSize))
        {
            gz.Write(await File.ReadAllBytesAsync(path));
        }

        using var hashed = await browser.GetAsync("/static/" + name);
        using var plain = await browser.GetAsync("/static/notes/site.css");
        using var gzipped = await browser.SendAsync(WithAcceptEncoding("/static/" + name, "gzip"));
        // Dram itself maps no static files: the same path straight to Dram is Django's 404.
        using var toDram = DjangoClient.ToDram(served.Dram.Port, forwardedHttps: true);
        using var direct = await toDram.GetAsync("/static/" + name);

        Assert.Equal(HttpStatusCode.OK, hashed.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(path), await hashed.Content.ReadAsByteArrayAsync());
        Assert.Equal("text/css", hashed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", hashed.Headers.CacheControl?.ToString());
        Assert.NotNull(hashed.Headers.ETag);
        Assert.Equal("public, max-age=3600", plain.Headers.CacheControl?.ToString());
        Assert.Equal("gzip", Assert.Single(gzipped.Content.Headers.ContentEncoding));
        Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
    }

    [SkippableFact]
    public async Task LoginAndATenMegabyteUploadGoThroughNginx()
    {
        using var browser = NewBrowser();
        await browser.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);
        var content = new byte[10 * 1024 * 1024];
        Random.Shared.NextBytes(content);

        using var uploaded = await browser.PostFileAsync("/upload/", "file", "via-nginx.bin", content);
        var body = await uploaded.Content.ReadAsStringAsync();
        Assert.True(uploaded.StatusCode == HttpStatusCode.Found, $"{(int)uploaded.StatusCode}\n{body}\n{served.Nginx.Log}");
        var attachment = uploaded.Headers.Location!.OriginalString;
        var page = await browser.GetPageAsync(attachment);
        using var download = await browser.GetAsync(attachment + "download/");

        Assert.Contains($"<dd id=\"sha256\">{Convert.ToHexStringLower(SHA256.HashData(content))}</dd>", page);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
    }

    [SkippableFact]
    public async Task ClientAddressAndHttpsComeFromNginxOverTheUnixSocket()
    {
        using var browser = NewBrowser();

        var seen = await RequestInfoAsync(browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/request/")));

        Assert.Equal(Browser.ToString(), seen.GetProperty("remote_addr").GetString());
        Assert.Equal("https", seen.GetProperty("scheme").GetString());
        Assert.True(seen.GetProperty("is_secure").GetBoolean());
        Assert.Equal($"127.0.0.1:{served.Nginx.HttpsPort}", seen.GetProperty("host").GetString());
    }

    [SkippableFact]
    public async Task ForwardedHeadersMadeUpByTheBrowserAreNotBelieved()
    {
        using var browser = NewBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/request/");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "http");

        var seen = await RequestInfoAsync(browser.SendAsync(request));

        // nginx appends the real peer to X-Forwarded-For and replaces X-Forwarded-Proto.
        Assert.Equal(Browser.ToString(), seen.GetProperty("remote_addr").GetString());
        Assert.Equal("https", seen.GetProperty("scheme").GetString());
    }

    [SkippableFact]
    public async Task UntrustedTcpPeerCannotSetAddressOrScheme()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        var server = new Uri($"http://127.0.0.1:{served.Dram.Port}/");
        using var untrusted = new DjangoClient(HttpTransport.FromAddress(Browser), server, server);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/request/");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var seen = await RequestInfoAsync(untrusted.SendAsync(request));

        Assert.Equal(Browser.ToString(), seen.GetProperty("remote_addr").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
        Assert.False(seen.GetProperty("is_secure").GetBoolean());
    }

    [SkippableFact]
    public async Task TrustedTcpPeerSetsAddressAndScheme()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        var server = new Uri($"http://127.0.0.1:{served.Dram.Port}/");
        using var proxy = new DjangoClient(HttpTransport.FromAddress(IPAddress.Loopback), server, server);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/request/");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var seen = await RequestInfoAsync(proxy.SendAsync(request));

        // 127.0.0.1 is in the default --forwarded-allow-ips.
        Assert.Equal("203.0.113.9", seen.GetProperty("remote_addr").GetString());
        Assert.Equal("https", seen.GetProperty("scheme").GetString());
    }

    private static async Task<JsonElement> RequestInfoAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}\n{text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static HttpRequestMessage WithAcceptEncoding(string path, string encoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Accept-Encoding", encoding);
        return request;
    }

    private string Hashed(string name)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(served.Site.StaticRoot, "staticfiles.json")));
        return manifest.RootElement.GetProperty("paths").GetProperty(name).GetString()!;
    }
}
