using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// mysite's collected static files (ManifestStaticFilesStorage, production settings) served by
/// Dram's --static-map /static=STATIC_ROOT, without Python: validators and 304s, ranges, a
/// precompressed sibling, cache lifetimes by name, and no way out of STATIC_ROOT.
/// </summary>
public sealed class DjangoStaticFilesTests(MysiteOnSqlite served) : IClassFixture<MysiteOnSqlite>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>The collected, hashed name of a static file, from collectstatic's manifest.</summary>
    private string Hashed(string name)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(served.Site.StaticRoot, "staticfiles.json")));
        return manifest.RootElement.GetProperty("paths").GetProperty(name).GetString()!;
    }

    private Task<RawResponse> GetAsync(string target, string extraHeaders = "") =>
        RawHttpConnection.ExchangeAsync(served.Dram.Port, $"GET {target} HTTP/1.1\r\nHost: localhost\r\n{extraHeaders}\r\n", timeout: Timeout);

    private void SkipUnlessServed() => Skip.If(served.SkipReason is not null, served.SkipReason);

    [SkippableFact]
    public async Task HashedStylesheetIsServedWithAYearLongImmutableLifetime()
    {
        SkipUnlessServed();
        var name = Hashed("notes/site.css");
        Assert.Matches(@"^notes/site\.[0-9a-f]{12}\.css$", name);

        var response = await GetAsync("/static/" + name);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/css", response.Header("Content-Type"));
        Assert.Equal("public, max-age=31536000, immutable", response.Header("Cache-Control"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(served.Site.StaticRoot, name)), response.Body);
    }

    [SkippableFact]
    public async Task UnhashedNameIsCachedForAnHour()
    {
        SkipUnlessServed();
        var response = await GetAsync("/static/notes/site.css");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("public, max-age=3600", response.Header("Cache-Control"));
    }

    [SkippableFact]
    public async Task ETagAndLastModifiedRevalidateTo304()
    {
        SkipUnlessServed();
        var target = "/static/" + Hashed("admin/css/base.css");
        var first = await GetAsync(target);
        var etag = first.Header("ETag");
        var lastModified = first.Header("Last-Modified");
        Assert.NotNull(etag);
        Assert.NotNull(lastModified);

        var byTag = await GetAsync(target, $"If-None-Match: {etag}\r\n");
        var byDate = await GetAsync(target, $"If-Modified-Since: {lastModified}\r\n");

        Assert.Equal(304, byTag.StatusCode);
        Assert.Empty(byTag.Body);
        Assert.Equal(etag, byTag.Header("ETag"));
        Assert.Equal(304, byDate.StatusCode);
    }

    [SkippableFact]
    public async Task RangeRequestGetsThePartAsked()
    {
        SkipUnlessServed();
        var name = Hashed("admin/css/base.css");
        var content = File.ReadAllBytes(Path.Combine(served.Site.StaticRoot, name));

        var response = await GetAsync("/static/" + name, "Range: bytes=100-199\r\n");

        Assert.Equal(206, response.StatusCode);
        Assert.Equal($"bytes 100-199/{content.Length}", response.Header("Content-Range"));
        Assert.Equal(content[100..200], response.Body);
    }

    [SkippableFact]
    public async Task GzipSiblingIsSentToClientsThatAcceptIt()
    {
        SkipUnlessServed();
        // A deploy step after collectstatic (gzip -k) leaves name.css.gz beside name.css.
        var name = Hashed("admin/css/base.css");
        var path = Path.Combine(served.Site.StaticRoot, name);
        var original = File.ReadAllBytes(path);
        await using (var gz = new GZipStream(File.Create(path + ".gz"), CompressionLevel.SmallestSize))
        {
            gz.Write(original);
        }

        var compressed = await GetAsync("/static/" + name, "Accept-Encoding: gzip, deflate\r\n");
        var plain = await GetAsync("/static/" + name);

        Assert.Equal(200, compressed.StatusCode);
        Assert.Equal("gzip", compressed.Header("Content-Encoding"));
        Assert.Equal("text/css", compressed.Header("Content-Type"));
        Assert.Equal("public, max-age=31536000, immutable", compressed.Header("Cache-Control"));
        Assert.Contains("Accept-Encoding", compressed.Header("Vary"));
        Assert.True(compressed.Body.Length < original.Length);
        using (var unzip = new GZipStream(new MemoryStream(compressed.Body), CompressionMode.Decompress))
        using (var decompressed = new MemoryStream())
        {
            unzip.CopyTo(decompressed);
            Assert.Equal(original, decompressed.ToArray());
        }
        Assert.Null(plain.Header("Content-Encoding"));
        Assert.Equal(original, plain.Body);
    }

    [SkippableTheory]
    [InlineData("/static/../secret.txt")]
    [InlineData("/static/%2e%2e/secret.txt")]
    [InlineData("/static/..%2fsecret.txt")]
    [InlineData("/static/%2e%2e%2fsecret.txt")]
    [InlineData("/static/notes/..%2f..%2fsecret.txt")]
    [InlineData("/static/%5c..%5csecret.txt")]
    public async Task PathsOutOfStaticRootAreNotServed(string target)
    {
        SkipUnlessServed();
        // STATIC_ROOT is <site>/static: secret.txt sits right beside it.
        var secret = "not for the web " + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(served.Site.Directory, "secret.txt"), secret);

        var response = await GetAsync(target);

        Assert.True(response.StatusCode is 400 or 404, $"{target}: {response.StatusLine}");
        Assert.DoesNotContain(secret, Encoding.Latin1.GetString(response.Body));
    }

    [SkippableFact]
    public async Task DotFilesAndDirectoriesAreNotServed()
    {
        SkipUnlessServed();
        await File.WriteAllTextAsync(Path.Combine(served.Site.StaticRoot, ".env"), "DJANGO_SECRET_KEY=leaked");

        Assert.Equal(404, (await GetAsync("/static/.env")).StatusCode);
        Assert.Equal(404, (await GetAsync("/static/notes/")).StatusCode);
        Assert.Equal(404, (await GetAsync("/static/notes/missing.css")).StatusCode);
    }
}
