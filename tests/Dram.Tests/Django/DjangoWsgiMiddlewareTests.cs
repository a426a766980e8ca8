using System.Net;
using System.Security.Cryptography;

namespace Dram.Tests.Django;

/// <summary>
/// mysite.wsgi_middleware:application: the middleware adds X-Request-Id to every response and logs
/// each request to wsgi.errors (Dram's error log), while Django's responses pass through whole.
/// </summary>
public sealed class DjangoWsgiMiddlewareTests(MysiteWithWsgiMiddleware served) : IClassFixture<MysiteWithWsgiMiddleware>
{
    private DjangoClient NewClient()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        return served.NewClient();
    }

    [SkippableFact]
    public async Task EveryResponseGetsARequestIdThatIsLoggedToWsgiErrors()
    {
        using var client = NewClient();
        using var page = await client.GetAsync("/");
        using var missing = await client.GetAsync("/no/such/page/");

        var pageId = Assert.Single(page.Headers.GetValues("X-Request-Id"));
        var missingId = Assert.Single(missing.Headers.GetValues("X-Request-Id"));
        Assert.Matches("^[0-9a-f]{32}$", pageId);
        Assert.NotEqual(pageId, missingId);
        Assert.True(await served.Dram.WaitForOutputAsync($"request {pageId} GET / -> 200 OK"), served.Dram.Output);
        Assert.True(await served.Dram.WaitForOutputAsync($"request {missingId} GET /no/such/page/ -> 404 Not Found"), served.Dram.Output);
    }

    [SkippableFact]
    public async Task RequestIdFromTheProxyIsKept()
    {
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/notes/");
        request.Headers.Add("X-Request-Id", "from-nginx-0001");

        using var response = await client.SendAsync(request);

        Assert.Equal("from-nginx-0001", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.True(await served.Dram.WaitForOutputAsync("request from-nginx-0001 GET /api/notes/ -> 200 OK"), served.Dram.Output);
    }

    [SkippableFact]
    public async Task CsrfPostAndLoginRedirectPassThrough()
    {
        using var client = NewClient();
        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);

        using var posted = await client.PostFormAsync("/notes/new/", [new("title", "through the middleware")]);

        Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        var id = Assert.Single(posted.Headers.GetValues("X-Request-Id"));
        Assert.True(await served.Dram.WaitForOutputAsync($"request {id} POST /notes/new/ -> 302 Found"), served.Dram.Output);
    }

    [SkippableFact]
    public async Task StreamingAndFileResponsesAreNotBufferedOrCut()
    {
        using var client = NewClient();
        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);
        var content = new byte[3 * 1024 * 1024 + 7];
        Random.Shared.NextBytes(content);
        using var uploaded = await client.PostFileAsync("/upload/", "file", "wrapped.bin", content);
        Assert.Equal(HttpStatusCode.Found, uploaded.StatusCode);

        using var download = await client.GetAsync(uploaded.Headers.Location!.OriginalString + "download/");
        using var stream = await client.GetAsync("/stream/?lines=300", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(content.Length, download.Content.Headers.ContentLength);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
        Assert.True(stream.Headers.TransferEncodingChunked);
        Assert.EndsWith("line 300 of 300\n", await stream.Content.ReadAsStringAsync());
        Assert.Single(stream.Headers.GetValues("X-Request-Id"));
    }
}
