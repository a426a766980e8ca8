using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>A real Django project (DEBUG off) served by dram with /usr/bin/python3 through get_wsgi_application().</summary>
public sealed class DjangoTests(DjangoSite site) : IClassFixture<DjangoSite>
{
    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task PlainTextView()
    {
        using var client = await ClientAsync();
        using var response = await client.GetAsync("/hello/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("Hello from Django", await response.Content.ReadAsStringAsync());
        Assert.Equal(17, response.Content.Headers.ContentLength);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task JsonViewSeesTheRequest()
    {
        var dram = await site.GetAsync();
        using var client = await ClientAsync();
        using var response = await client.GetAsync("/info/?page=2&q=caf%C3%A9");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var info = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.", info.GetProperty("django").GetString(), StringComparison.Ordinal);
        Assert.Equal("GET", info.GetProperty("method").GetString());
        Assert.Equal("/info/", info.GetProperty("path").GetString());
        Assert.Equal("2", info.GetProperty("query").GetProperty("page").GetString());
        Assert.Equal("café", info.GetProperty("query").GetProperty("q").GetString());
        Assert.Equal($"127.0.0.1:{dram.Port}", info.GetProperty("host").GetString());
        Assert.Equal($"http://127.0.0.1:{dram.Port}/hello/", info.GetProperty("absolute_hello_url").GetString());
        Assert.True(info.GetProperty("multithread").GetBoolean());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task TemplateViewRendersAndEscapes()
    {
        using var client = await ClientAsync();
        using var response = await client.GetAsync("/greet/%3Cscript%3E/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Hello, &lt;script&gt;!</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<li>1:one</li><li>2:two</li><li>3:three</li>", html, StringComparison.Ordinal);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task CsrfExemptFormPostIsParsed()
    {
        using var client = await ClientAsync();
        using var form = new FormUrlEncodedContent([new("color", "red"), new("color", "blue"), new("note", "a&b=c é")]);
        using var response = await client.PostAsync("/submit/", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("application/x-www-form-urlencoded", body.GetProperty("content_type").GetString());
        Assert.Equal(["red", "blue"], body.GetProperty("fields").GetProperty("color").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("a&b=c é", body.GetProperty("fields").GetProperty("note")[0].GetString());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task MultipartUploadIsParsed()
    {
        using var client = await ClientAsync();
        var fileText = string.Concat(Enumerable.Repeat("line of the uploaded file\n", 2000));
        using var multipart = new MultipartFormDataContent();
        multipart.Add(new StringContent("value"), "field");
        var file = new StringContent(fileText);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        multipart.Add(file, "upload", "notes.txt");
        using var response = await client.PostAsync("/submit/", multipart);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("multipart/form-data", body.GetProperty("content_type").GetString());
        Assert.Equal("value", body.GetProperty("fields").GetProperty("field")[0].GetString());
        var upload = body.GetProperty("files").GetProperty("upload");
        Assert.Equal("notes.txt", upload.GetProperty("name").GetString());
        Assert.Equal(fileText.Length, upload.GetProperty("size").GetInt32());
        Assert.Equal(fileText, upload.GetProperty("content").GetString());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task CsrfProtectedPostWithoutTokenIsForbidden()
    {
        using var client = await ClientAsync();
        using var form = new FormUrlEncodedContent([new("a", "1")]);
        using var response = await client.PostAsync("/protected/", form);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("CSRF", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task MissingSlashRedirects()
    {
        using var client = await ClientAsync();
        using var response = await client.GetAsync("/hello?x=1");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/hello/?x=1", response.Headers.Location?.OriginalString);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task UnknownPathIs404AndFailingViewIs500AndServingContinues()
    {
        using var client = await ClientAsync();
        using (var missing = await client.GetAsync("/no/such/page/"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("<h1>Not Found</h1>", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var failing = await client.GetAsync("/boom/"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
            Assert.Contains("Server Error (500)", await failing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var after = await client.GetAsync("/hello/");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task ConcurrentRequestsOnSeveralConnectionsAllSucceed()
    {
        using var client = await ClientAsync(maxConnections: 8);
        var paths = new[] { "/hello/", "/info/?n=1", "/greet/world/" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 240).Select(async i =>
        {
            using var response = await client.GetAsync(paths[i % paths.Length]);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Path: paths[i % paths.Length]);
        }));
        foreach (var (status, body, path) in responses)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(path switch { "/hello/" => "Hello from Django", "/greet/world/" => "Hello, world!", _ => "\"path\": \"/info/\"" }, body, StringComparison.Ordinal);
        }
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task RootPathMountsTheProjectBelowAPrefix()
    {
        await using var dram = await DramProcess.StartAsync("mysite.wsgi",
            ["--python", PythonInterpreters.SystemPython, "--root-path", "/mount"], chdir: DjangoSite.Directory);
        using var client = NewClient(dram.Port, 1);
        using (var response = await client.GetAsync("/mount/info/"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var info = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("/mount", info.GetProperty("script_name").GetString());
            Assert.Equal("/info/", info.GetProperty("path_info").GetString());
            Assert.Equal("/mount/info/", info.GetProperty("path").GetString());
            Assert.Equal("/mount/hello/", info.GetProperty("hello_url").GetString());
        }
        using var redirect = await client.GetAsync("/mount/hello");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("/mount/hello/", redirect.Headers.Location?.OriginalString);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task StartupLogNamesTheDistributionPython()
    {
        var dram = await site.GetAsync();
        Assert.Contains($"({PythonInterpreters.SystemPython}, running this worker)", dram.Output, StringComparison.Ordinal);
        Assert.Contains("Application mysite.wsgi loaded", dram.Output, StringComparison.Ordinal);
    }

    private async Task<HttpClient> ClientAsync(int maxConnections = 2) => NewClient((await site.GetAsync()).Port, maxConnections);

    private static HttpClient NewClient(int port, int maxConnections) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = maxConnections })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
}
