using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dram.Tests.Django;

/// <summary>
/// mysite's pages through Dram with production settings: templates, CSRF, login and sessions,
/// the admin, a 10 MB upload, FileResponse, StreamingHttpResponse, JSON and the ORM. Run once per
/// database (the subclasses).
/// </summary>
public abstract partial class DjangoPagesContract(ServedMysite served)
{
    protected const int UploadSize = 10 * 1024 * 1024;

    /// <summary>A client for the served site; skips the test when the site could not be served here.</summary>
    protected DjangoClient NewClient()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        return served.NewClient();
    }

    [SkippableFact]
    public async Task HomePageIsRenderedFromTheTemplateWithHashedStaticUrls()
    {
        using var client = NewClient();
        using var response = await client.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("<title>Notes · mysite</title>", page);
        // Production settings use ManifestStaticFilesStorage: the stylesheet's name carries its hash.
        Assert.Matches(HashedStylesheet(), page);
    }

    [SkippableFact]
    public async Task NoteFormRoundTripsTheCsrfCookieAndToken()
    {
        using var client = NewClient();
        var title = "Note " + Guid.NewGuid().ToString("N");

        using var posted = await client.PostFormAsync("/notes/new/", [new("title", title), new("body", "first line\nsecond line")]);

        Assert.NotNull(client.Cookie("csrftoken"));
        Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        var location = posted.Headers.Location!.OriginalString;
        Assert.Matches("^/notes/[0-9]+/$", location);
        var detail = await client.GetPageAsync(location);
        Assert.Contains($"<h1>{title}</h1>", detail);
        Assert.Contains("<p>first line<br>second line</p>", detail);
    }

    [SkippableFact]
    public async Task FormPostWithoutTheCsrfTokenIsRefused()
    {
        using var client = NewClient();
        await client.GetPageAsync("/notes/new/");
        Assert.NotNull(client.Cookie("csrftoken"));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/notes/new/")
        {
            Content = new FormUrlEncodedContent([new("title", "forged")]),
        };
        request.Headers.Referrer = new Uri(client.Origin, "/notes/new/");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("forged", await client.GetPageAsync("/api/notes/"));
    }

    [SkippableFact]
    public async Task LoginStartsASessionThatLaterRequestsKeep()
    {
        using var client = NewClient();
        using var anonymous = await client.GetAsync("/account/");
        Assert.Equal(HttpStatusCode.Found, anonymous.StatusCode);
        Assert.Equal("/accounts/login/?next=/account/", anonymous.Headers.Location?.OriginalString);

        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);

        Assert.Contains("<h1>Signed in as admin</h1>", await client.GetPageAsync("/account/"));
        Assert.Contains("<strong id=\"visits\">2</strong>", await client.GetPageAsync("/account/"));
        Assert.Contains("<strong id=\"visits\">3</strong>", await client.GetPageAsync("/account/"));
    }

    [SkippableFact]
    public async Task WrongPasswordDoesNotLogIn()
    {
        using var client = NewClient();
        using var response = await client.PostFormAsync("/accounts/login/", [new("username", DjangoSite.AdminUser), new("password", "not-the-password")]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("didn't match", await response.Content.ReadAsStringAsync());
        Assert.Null(client.Cookie("sessionid"));
    }

    [SkippableFact]
    public async Task AdminLoginPageLeadsToTheAdminIndex()
    {
        using var client = NewClient();
        using var index = await client.GetAsync("/admin/");
        Assert.Equal(HttpStatusCode.Found, index.StatusCode);
        Assert.Equal("/admin/login/?next=/admin/", index.Headers.Location?.OriginalString);
        var loginPage = await client.GetPageAsync("/admin/login/?next=/admin/");
        Assert.Contains("Django administration", loginPage);

        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword, "/admin/login/", "/admin/");

        var admin = await client.GetPageAsync("/admin/");
        Assert.Contains("Site administration", admin);
        Assert.Contains("href=\"/admin/notes/note/\"", admin);
    }

    [SkippableFact]
    public async Task TenMegabyteUploadIsStoredIntact()
    {
        using var client = NewClient();
        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);
        var content = RandomBytes(UploadSize);

        var attachment = await UploadAsync(client, "ten-megabytes.bin", content);

        var page = await client.GetPageAsync(attachment);
        Assert.Contains($"<dd id=\"size\">{UploadSize}</dd>", page);
        Assert.Contains($"<dd id=\"sha256\">{Sha256(content)}</dd>", page);
    }

    [SkippableFact]
    public async Task FileResponseSendsTheStoredFileBackByteForByte()
    {
        using var client = NewClient();
        await client.LoginAsync(DjangoSite.AdminUser, served.Site.AdminPassword);
        var content = RandomBytes(UploadSize + 12345);
        var attachment = await UploadAsync(client, "report.bin", content);

        using var response = await client.GetAsync(attachment + "download/");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal("attachment; filename=\"report.bin\"", response.Content.Headers.GetValues("Content-Disposition").Single());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Sha256(content), Sha256(body));
    }

    [SkippableFact]
    public async Task StreamingResponseArrivesChunkedAndComplete()
    {
        using var client = NewClient();
        using var response = await client.GetAsync("/stream/?lines=5000", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // No Content-Length is known up front: the body is framed chunk by chunk.
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5000, lines.Length);
        Assert.Equal("line 1 of 5000", lines[0]);
        Assert.Equal("line 5000 of 5000", lines[^1]);
    }

    [SkippableFact]
    public async Task JsonViewReadsWhatTheOrmWrote()
    {
        using var client = NewClient();
        var title = "Stored " + Guid.NewGuid().ToString("N");
        using (var posted = await client.PostFormAsync("/notes/new/", [new("title", title), new("body", "ünïcode ✓")]))
        {
            Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        }

        using var response = await client.GetAsync("/api/notes/");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var note = json.RootElement.GetProperty("notes").EnumerateArray().Single(n => n.GetProperty("title").GetString() == title);
        Assert.Equal("ünïcode ✓", note.GetProperty("body").GetString());
        Assert.Contains(title, await client.GetPageAsync("/"));
    }

    /// <summary>Uploads through the form and returns the new attachment's page.</summary>
    protected static async Task<string> UploadAsync(DjangoClient client, string name, byte[] content)
    {
        using var response = await client.PostFileAsync("/upload/", "file", name, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"upload: {(int)response.StatusCode}\n{body}");
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches("^/attachments/[0-9]+/$", location);
        return location;
    }

    protected static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    protected static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"/static/notes/site\\.[0-9a-f]{12}\\.css\">")]
    private static partial Regex HashedStylesheet();
}
